// Entry points of libsluice_torch.so, the module `sluice` loads for the commands that need
// LibTorch (see cli/torch_module.h). The commands register themselves exactly as the binary's own
// do (cli/command.h); this file parses their arguments and runs them.
#include <iostream>

#include "command.h"
#include "sluice/core/error.h"
#include "sluice/finetune/runtime.h"

extern "C" __attribute__((visibility("default"))) int sluice_torch_main(int argc, char** argv) {
  using namespace sluice::cli;
  if (argc < 2) return 1;
  const std::string name = argv[1];
  for (const auto& command : registered_commands()) {
    if (command.name != name) continue;
    CLI::App app{command.summary, "sluice " + name};
    const RunFunction run = command.setup(app);
    try {
      app.parse(argc - 1, argv + 1);
    } catch (const CLI::CallForHelp& help) {
      return app.exit(help);
    } catch (const CLI::ParseError& error) {
      std::cerr << "sluice: error: " << error.what() << "\nRun 'sluice " << name << " --help' for usage.\n";
      return 1;
    }
    try {
      return run();
    } catch (const std::exception& error) {
      std::cerr << "sluice: error: " << error.what() << "\n";
      return 1;
    }
  }
  std::cerr << "sluice: error: the LibTorch module has no command '" << name << "'\n";
  return 1;
}

namespace {
const sluice::finetune::RuntimeInfo& runtime() {
  static const auto info = sluice::finetune::runtime_info();
  return info;
}
}  // namespace

extern "C" __attribute__((visibility("default"))) const char* sluice_torch_version() {
  return runtime().torch_version.c_str();
}

extern "C" __attribute__((visibility("default"))) const char* sluice_torch_blas() { return runtime().blas.c_str(); }
