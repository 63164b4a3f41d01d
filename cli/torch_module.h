#pragma once
// LibTorch costs about two seconds of dynamic linking at every process start, so the commands
// that need it live in a module (libsluice_torch.so, beside the binary) that `sluice` loads only
// when one of them runs. Every other command starts in milliseconds.
#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

// Runs `sluice COMMAND ARGS...` inside the module; its exit status. An Error when the module is
// missing (a build without LibTorch) or does not load.
int run_torch_command(const std::string& command, const std::vector<std::string>& args);

struct TorchRuntime {
  std::string version;  // LibTorch's
  std::string blas;     // which library serves LibTorch's matrix products
};
// For `sluice version`; nullopt without the module.
std::optional<TorchRuntime> torch_runtime();

}  // namespace sluice::cli
