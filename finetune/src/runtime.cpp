#include "sluice/finetune/runtime.h"

#include <dlfcn.h>
#include <torch/torch.h>

#include <climits>
#include <cstdlib>

namespace sluice::finetune {
namespace {

// The library that provides the symbol `sgemm_` (what ATen calls for fp32 matmul), with
// symlinks resolved: Debian's libblas.so.3 is an alternatives link to the real provider.
std::string sgemm_provider() {
  void* symbol = ::dlsym(RTLD_DEFAULT, "sgemm_");
  Dl_info info{};
  if (symbol == nullptr || ::dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "";
  char resolved[PATH_MAX];
  if (::realpath(info.dli_fname, resolved) == nullptr) return info.dli_fname;
  return resolved;
}

}  // namespace

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = TORCH_VERSION;
  const auto a = torch::ones({64, 64});
  const auto product = torch::mm(a, a);  // binds the BLAS symbols lazily resolved by the loader
  (void)product;
  const std::string path = sgemm_provider();
  if (path.find("openblas") != std::string::npos) {
    info.blas = "OpenBLAS (" + path + ")";
    info.fast_blas = true;
  } else if (path.find("mkl") != std::string::npos || path.find("blis") != std::string::npos) {
    info.blas = "optimised BLAS (" + path + ")";
    info.fast_blas = true;
  } else if (path.empty()) {
    info.blas = "unknown (sgemm_ not found)";
  } else {
    info.blas = "reference BLAS, about 25x slower: install libopenblas0-pthread (" + path + ")";
  }
  return info;
}

}  // namespace sluice::finetune
