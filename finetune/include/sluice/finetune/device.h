#pragma once
// Where the training, evaluation and sampling commands compute: `--device auto|cpu|cuda`.
// Torch-free, so the choice is testable without a GPU; finetune/src/device.cpp asks LibTorch.
#include <string>

namespace sluice::finetune {

enum class DeviceKind { kCpu, kCuda };

// `requested` is auto, cpu or cuda. auto picks CUDA when LibTorch sees a GPU and the run is one
// process, else the CPU. cuda without a GPU, or with data-parallel workers (world_size > 1: the
// Gloo path is CPU-only), is an Error naming --device and what to do instead.
DeviceKind choose_device(const std::string& requested, bool cuda_available, int world_size);

const char* device_name(DeviceKind kind);  // "cpu" / "cuda"

}  // namespace sluice::finetune
