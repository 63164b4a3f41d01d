#include <gtest/gtest.h>

#include "sluice/finetune/runtime.h"

// LibTorch on Debian calls whatever libblas.so.3 points to; the reference BLAS is ~25x slower
// (6 vs ~160 GFLOP/s on a 1024^3 matmul here). Training on it is a setup bug, so it fails a test.
TEST(Runtime, LibTorchUsesAnOptimisedBlas) {
  const auto info = sluice::finetune::runtime_info();
  EXPECT_TRUE(info.fast_blas) << "LibTorch's sgemm_ comes from: " << info.blas
                              << "\nRun scripts/setup (it installs libopenblas0-pthread and selects it).";
  EXPECT_FALSE(info.torch_version.empty());
}
