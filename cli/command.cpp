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

}  // namespace sluice::cli
