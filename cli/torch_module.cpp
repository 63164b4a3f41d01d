#include "torch_module.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>

#include "sluice/core/error.h"

namespace sluice::cli {
namespace {

using MainFunction = int (*)(int, char**);
using InfoFunction = const char* (*)();

std::filesystem::path module_path() {
  if (const char* override_path = std::getenv("SLUICE_TORCH_MODULE")) return override_path;
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "libsluice_torch.so";
}

// dlopen()s the module once; nullptr (with the reason in `why`) when it is not there.
void* load_module(std::string& why) {
  static void* handle = nullptr;
  static std::string error;
  static bool tried = false;
  if (!tried) {
    tried = true;
    const auto path = module_path();
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      error = "this sluice was built without LibTorch (" + path.string() +
              " is missing); build it with scripts/build release";
    } else {
      // libgomp (loaded with LibTorch) reads OMP_WAIT_POLICY once, when it is loaded. Its default
      // spin-waiting fights OpenBLAS's own threads; PASSIVE made 2 threads the fastest setting.
      if (std::getenv("SLUICE_KEEP_WAIT_POLICY") == nullptr) ::setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
      handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle == nullptr) error = std::string("cannot load the LibTorch module: ") + ::dlerror();
    }
  }
  why = error;
  return handle;
}

}  // namespace

int run_torch_command(const std::string& command, const std::vector<std::string>& args) {
  std::string why;
  void* module = load_module(why);
  if (module == nullptr) throw Error("'" + command + "' needs LibTorch: " + why);
  auto main_function = reinterpret_cast<MainFunction>(::dlsym(module, "sluice_torch_main"));
  if (main_function == nullptr) throw Error("the LibTorch module has no entry point sluice_torch_main");
  std::vector<std::string> argv_text = {"sluice", command};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return main_function(static_cast<int>(argv_text.size()), argv.data());
}

std::optional<TorchRuntime> torch_runtime() {
  std::string why;
  void* module = load_module(why);
  if (module == nullptr) return std::nullopt;
  auto version = reinterpret_cast<InfoFunction>(::dlsym(module, "sluice_torch_version"));
  auto blas = reinterpret_cast<InfoFunction>(::dlsym(module, "sluice_torch_blas"));
  if (version == nullptr || blas == nullptr) return std::nullopt;
  return TorchRuntime{version(), blas()};
}

}  // namespace sluice::cli
