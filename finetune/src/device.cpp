// The torch side of --device: selection, uploads, synchronisation, autocast and memory figures.
// LibTorch's C++ API for these changed between 1.13 (Debian) and 2.x (PyTorch's wheels); the
// version guards below are where it did.
#include <ATen/autocast_mode.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "sluice/finetune/device.h"
#include "train_common.h"

#define SLUICE_TORCH_AT_LEAST(major, minor) \
  (TORCH_VERSION_MAJOR > (major) || (TORCH_VERSION_MAJOR == (major) && TORCH_VERSION_MINOR >= (minor)))

#if SLUICE_TORCH_AT_LEAST(2, 9)
#include <c10/core/CachingDeviceAllocator.h>
#endif

namespace sluice::finetune {

torch::Device select_device(const std::string& requested, int world_size) {
  if (choose_device(requested, torch::cuda::is_available(), world_size) == DeviceKind::kCpu) return torch::kCPU;
  at::globalContext().setAllowTF32CuBLAS(true);
  at::globalContext().setAllowTF32CuDNN(true);
  return {torch::kCUDA, 0};
}

torch::Tensor upload(const void* data, std::int64_t rows, std::int64_t cols, torch::ScalarType type, torch::Device device) {
  const auto host = torch::from_blob(const_cast<void*>(data), {rows, cols}, type);
  if (!device.is_cuda()) return host.clone();
  // Pinned blocks come from LibTorch's caching host allocator, which keeps each one until the
  // copy that reads it has completed, so the tensor may go out of scope at once.
  auto pinned = torch::empty({rows, cols}, torch::TensorOptions().dtype(type).pinned_memory(true));
  pinned.copy_(host);
  return pinned.to(device, /*non_blocking=*/true);
}

void synchronize(torch::Device device) {
  if (device.is_cuda()) torch::cuda::synchronize(device.index());
}

std::uint64_t peak_device_bytes(torch::Device device) {
  if (!device.is_cuda()) return 0;
#if SLUICE_TORCH_AT_LEAST(2, 9)
  const auto stats = c10::getDeviceAllocator(c10::DeviceType::CUDA)->getDeviceStats(device.index());
  const auto& all = stats.allocated_bytes[static_cast<std::size_t>(c10::CachingAllocator::StatType::AGGREGATE)];
  return static_cast<std::uint64_t>(all.peak);
#else
  return 0;  // c10::cuda::CUDACachingAllocator needs the CUDA headers; not worth them here
#endif
}

AutocastScope::AutocastScope(bool enabled, torch::DeviceType type) : enabled_(enabled), type_(type) {
  if (!enabled_) return;
#if SLUICE_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(type_, true);
  at::autocast::set_autocast_dtype(type_, at::kBFloat16);
#else
  if (type_ == torch::kCUDA) {
    at::autocast::set_enabled(true);
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
  } else {
    at::autocast::set_cpu_enabled(true);
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
  }
#endif
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
#if SLUICE_TORCH_AT_LEAST(2, 4)
  at::autocast::set_autocast_enabled(type_, false);
#else
  if (type_ == torch::kCUDA) at::autocast::set_enabled(false);
  else at::autocast::set_cpu_enabled(false);
#endif
  at::autocast::clear_cache();
}

}  // namespace sluice::finetune
