// The `sluice` binary: one subcommand per stage, parsed with CLI11.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string_view>

#include "command.h"
#include "sluice/core/error.h"
#include "sluice/core/text.h"

namespace sluice::cli {
namespace {

// "unknown command 'stat'; did you mean 'stats'?"
int unknown_command(const std::string& word) {
  std::string message = "sluice: error: unknown command '" + word + "'";
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& command : registered_commands()) {
    const std::size_t distance = edit_distance(word, command.name);
    if (distance < best_distance) {
      best_distance = distance;
      best = command.name;
    }
  }
  if (!best.empty()) message += "; did you mean '" + best + "'?";
  std::cerr << message << "\nRun 'sluice --help' for the list of commands.\n";
  return 1;
}

}  // namespace
}  // namespace sluice::cli

#if defined(SLUICE_LAZY_SIMDJSON)
// simdjson is loaded on first use (cmake/SluiceDependencies.cmake). Its headers' inline code reads
// tables that are filled when it loads, so every command that may use it loads it first; only
// `license` never reads JSON, and starts without simdjson and the C++ runtime it needs.
extern "C" void sluice_lazy_load_simdjson();
#endif

int main(int argc, char** argv) {
  using namespace sluice::cli;
#if defined(SLUICE_LAZY_SIMDJSON)
  if (argc < 2 || std::string_view(argv[1]) != "license") sluice_lazy_load_simdjson();
#endif
  CLI::App app{
      "sluice: turn public source code and documentation into training data for code models,\n"
      "and adapt a pretrained model to code with it. Each stage reads and writes shard sets\n"
      "(directories of part-NNNNN.jsonl.zst with manifest.json) and can run alone.",
      "sluice"};
  app.require_subcommand(1, 1);
  app.fallthrough(false);
  app.get_formatter()->column_width(24);
  app.footer("Run 'sluice COMMAND --help' for the options of a command.\n"
             "Exit status: 0 done, 1 error, 2 finished but some items failed (see the summary).");

  auto commands = registered_commands();
  std::sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
  const std::string word = argc >= 2 ? argv[1] : "";
  const bool named = !word.empty() && word[0] != '-';
  if (named && std::none_of(commands.begin(), commands.end(), [&](const auto& c) { return c.name == word; })) {
    return unknown_command(word);
  }
  // A named command is the only one built; top-level options (--help, --help-all) build and list
  // them all. Building every command cost each start more than a short command's own work.
  std::vector<std::pair<CLI::App*, RunFunction>> runners;
  for (const auto& command : commands) {
    if (named && command.name != word) continue;
    CLI::App* sub = app.add_subcommand(command.name, command.summary);
    runners.emplace_back(sub, command.setup(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::string where = "sluice";
    for (const auto* sub : app.get_subcommands()) where += " " + sub->get_name();
    std::cerr << "sluice: error: " << error.what() << "\nRun '" << where << " --help' for usage.\n";
    return 1;
  }
  for (auto& [sub, run] : runners) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const sluice::Error& error) {
      std::cerr << "sluice: error: " << error.what() << "\n";
      return 1;
    } catch (const std::exception& error) {
      std::cerr << "sluice: error: " << error.what() << "\n";
      return 1;
    }
  }
  return 1;
}
