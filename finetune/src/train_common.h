#pragma once
// Pieces shared by the training loop and by `eval` (private to finetune/, torch).
#include <optional>
#include <string>

#include "model.h"
#include "sluice/finetune/data.h"
#include "token_bytes.h"

namespace sluice::finetune {

std::uint64_t peak_rss_bytes();
torch::ScalarType precision_dtype(const std::string& precision);  // "fp32" | "bf16"

// bf16 autocast on the CPU or on CUDA for the scope's lifetime (a no-op when disabled).
class AutocastScope {
 public:
  explicit AutocastScope(bool enabled, torch::DeviceType type = torch::kCPU);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
  torch::DeviceType type_;
};

// The device of --device (sluice/finetune/device.h): the CPU, or the first CUDA GPU, where fp32
// matrix products may then use TF32 (as PyTorch's allow_tf32 does).
torch::Device select_device(const std::string& requested, int world_size);
// `rows` x `cols` host values as a tensor on `device`: a copy on the CPU; on CUDA through pinned
// memory and an asynchronous copy, so the upload overlaps the work already queued.
torch::Tensor upload(const void* data, std::int64_t rows, std::int64_t cols, torch::ScalarType type, torch::Device device);
// Waits for the work queued on a GPU, so host clocks time it (a no-op on the CPU).
void synchronize(torch::Device device);
// Peak bytes of tensors on a GPU since the process started, as torch.cuda.max_memory_allocated
// counts them (0 on the CPU, and where this LibTorch has no allocator statistics in C++).
std::uint64_t peak_device_bytes(torch::Device device);

struct TrainOptions;
// Adds the adapters --lora-rank asks for (seeded) unless the model already has them, and freezes
// every other parameter of a model with adapters. Returns the count of trainable parameters.
std::int64_t apply_lora_options(CausalLM& model, const TrainOptions& o);
// OUT/merged/: config.json + model.safetensors with the adapters merged (+ OUT's tokenizer.json).
void write_merged_model(CausalLM& model, const std::filesystem::path& out);

// Mean next-token loss of one batch (fused head + cross-entropy).
torch::Tensor batch_loss(CausalLM& model, const Batch& batch, torch::ScalarType dtype, bool doc_mask);

struct ValStats {
  double loss = 0;
  std::uint64_t tokens = 0, bytes = 0;
  std::optional<double> bits_per_byte;
};
class Collective;
// Loss over the first max_batches batches (0: all) of a loader read in order; with `dist`, the
// batches are shared among the ranks and the result is the same on every rank.
ValStats validation_loss(CausalLM& model, const WindowLoader& loader, std::int64_t batch_size, std::int64_t max_batches,
                         torch::ScalarType dtype, const TokenBytes* bytes, Collective* dist = nullptr);

}  // namespace sluice::finetune
