#pragma once
// Facts about the LibTorch runtime this binary uses. The header stays free of torch includes so
// the CLI can ask without paying for them.
#include <string>

namespace sluice::finetune {

struct RuntimeInfo {
  std::string torch_version;  // "1.13.1"
  std::string blas;           // "OpenBLAS (/usr/lib/.../libblas.so.3)", "reference BLAS (...)"
  bool fast_blas = false;     // false for the netlib reference BLAS, which is ~25x slower
};

// Runs a small matmul so the BLAS is bound, then reports which library provides sgemm_.
RuntimeInfo runtime_info();

}  // namespace sluice::finetune
