#include "sluice/core/error.h"
#include "sluice/finetune/device.h"

namespace sluice::finetune {

DeviceKind choose_device(const std::string& requested, bool cuda_available, int world_size) {
  if (requested != "auto" && requested != "cpu" && requested != "cuda") {
    throw Error("--device must be auto, cpu or cuda, not '" + requested + "'");
  }
  if (requested == "cpu") return DeviceKind::kCpu;
  if (requested == "cuda") {
    if (world_size > 1) {
      throw Error("--device cuda: data-parallel training (" + std::to_string(world_size) +
                  " processes) runs on the CPU only (Gloo); train on one GPU with one process, or pass --device cpu");
    }
    if (!cuda_available) {
      throw Error("--device cuda: this LibTorch sees no CUDA GPU (a CPU-only build, or no driver/device); pass --device cpu or auto");
    }
    return DeviceKind::kCuda;
  }
  return cuda_available && world_size == 1 ? DeviceKind::kCuda : DeviceKind::kCpu;
}

const char* device_name(DeviceKind kind) { return kind == DeviceKind::kCuda ? "cuda" : "cpu"; }

}  // namespace sluice::finetune
