// LoRA as an option of the training loop: which adapters a run adds, and the merged export.
#include "checkpoint_io.h"
#include "sluice/core/error.h"
#include "sluice/finetune/train.h"
#include "train_common.h"

namespace sluice::finetune {

std::int64_t apply_lora_options(CausalLM& model, const TrainOptions& o) {
  if (o.lora_rank < 0) throw Error("--lora-rank must be positive (0: no adapters)");
  if (o.lora_rank > 0) {
    if (!(o.lora_alpha > 0)) throw Error("--lora-alpha must be positive");
    if (!model.lora()) {
      torch::manual_seed(o.seed);  // the adapters' A matrices
      try {
        model.add_lora({o.lora_rank, o.lora_alpha, o.lora_targets});
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        throw Error(e.what());
      }
    } else if (model.lora()->rank != o.lora_rank) {
      throw Error("the checkpoint's adapters have rank " + std::to_string(model.lora()->rank) + ", not --lora-rank " +
                  std::to_string(o.lora_rank) + "; resume with the same rank");
    }
  }
  // A model that carries adapters (given now, or loaded from the checkpoint) trains only them.
  std::int64_t trainable = 0;
  for (const auto& p : model.parameters()) if (p.requires_grad()) trainable += p.numel();
  return trainable;
}

void write_merged_model(CausalLM& model, const std::filesystem::path& out) {
  const auto merged = out / "merged";
  save_model(model, merged, DType::kF32, /*merge_lora=*/true);
  if (std::filesystem::exists(out / "tokenizer.json")) {
    std::filesystem::copy_file(out / "tokenizer.json", merged / "tokenizer.json", std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace sluice::finetune
