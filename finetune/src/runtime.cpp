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

#include <malloc.h>
#include <sched.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "sluice/finetune/train.h"

namespace sluice::finetune {

unsigned configure_threads(unsigned requested) {
  unsigned threads = requested;
  if (threads == 0) {
    // The CPUs this process may run on (a container or taskset may allow fewer than the host has).
    cpu_set_t set{};
    threads = 0;
    if (::sched_getaffinity(0, sizeof set, &set) == 0) {
      const auto* bytes = reinterpret_cast<const unsigned char*>(&set);
      for (std::size_t i = 0; i < sizeof set; ++i) threads += static_cast<unsigned>(__builtin_popcount(bytes[i]));
    }
    threads = std::max(1u, threads);
  }
  torch::set_num_threads(static_cast<int>(threads));
  return threads;
}

void keep_freed_memory() {
  // Every step allocates and frees the same large tensors (activations, the head's logits chunks,
  // the [V, C] gradients). glibc serves blocks above 32 MiB with mmap and returns them on free, so
  // each step page-faults them in again (measured: ~15% of a tiny-config step in the kernel
  // clearing pages). Serving everything from the heap and never trimming it reuses the pages:
  // 20-50% more tokens/s on the tiny config, for ~20% more peak RSS from fragmentation.
  ::mallopt(M_MMAP_MAX, 0);
  ::mallopt(M_TRIM_THRESHOLD, INT_MAX);
  ::mallopt(M_TOP_PAD, 64 << 20);
}

void ensure_passive_wait_policy() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("SLUICE_KEEP_WAIT_POLICY") != nullptr) return;
  // Our own argv, as the kernel recorded it: NUL-separated in /proc/self/cmdline.
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string current;
  for (const char c : raw) {
    if (c == '\0') {
      args.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (args.empty()) return;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
  ::execv("/proc/self/exe", argv.data());
  ::unsetenv("OMP_WAIT_POLICY");  // exec failed: carry on with the active policy
}

}  // namespace sluice::finetune
