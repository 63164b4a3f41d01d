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

// CPU bf16 autocast for the scope's lifetime (a no-op when disabled).
class AutocastScope {
 public:
  explicit AutocastScope(bool enabled);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_;
};

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
