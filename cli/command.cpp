#include "command.h"

namespace sluice::cli {

namespace {
std::vector<Command>& registry() {
  static std::vector<Command> commands;
  return commands;
}
}  // namespace

bool register_command(Command command) {
  registry().push_back(std::move(command));
  return true;
}

const std::vector<Command>& registered_commands() { return registry(); }

void add_json_flag(CLI::App& app, bool& json) {
  app.add_flag("--json", json, "Print the summary as JSON on stdout");
}

void add_threads_option(CLI::App& app, unsigned& threads) {
  app.add_option("-j,--threads", threads, "Worker threads (0 = one per CPU)")->default_val(0);
}

void add_level_option(CLI::App& app, int& level, int default_level) {
  app.add_option("--level", level,
                 "zstd level of the output shards: 1 (fastest) to 22 (smallest); 0 stores the documents "
                 "uncompressed in zstd frames (fastest to write and read, about 5x larger)")
      ->default_val(default_level)
      ->check(CLI::Range(0, 22));
}

}  // namespace sluice::cli
