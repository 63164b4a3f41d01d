#pragma once
// How subcommands join the `sluice` binary: each file in cli/commands/ registers one command at
// static initialisation. A command adds its options to the CLI11 subcommand it is given and
// returns the function that runs it, which returns the exit status (0 done, 1 error, 2 finished
// with items that failed).
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace sluice::cli {

using RunFunction = std::function<int()>;

struct Command {
  std::string name;
  std::string summary;  // one line for `sluice --help`
  int order;            // position in `sluice --help`: the order of the pipeline
  std::function<RunFunction(CLI::App& app)> setup;
};

bool register_command(Command command);
const std::vector<Command>& registered_commands();

// Shared option conventions.
void add_json_flag(CLI::App& app, bool& json);
void add_threads_option(CLI::App& app, unsigned& threads);
// --level of a command that writes document shards: zstd 1-22, or 0 to store uncompressed.
void add_level_option(CLI::App& app, int& level, int default_level);

}  // namespace sluice::cli
