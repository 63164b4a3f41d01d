#pragma once
// Torch side of checkpoints (private to finetune/): model weights <-> safetensors with Hugging
// Face names, and named fp32 tensors for the optimizer state.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "model.h"
#include "sluice/finetune/safetensors.h"

namespace sluice::finetune {

std::shared_ptr<CausalLM> load_model(const std::filesystem::path& directory);
void load_weights(CausalLM& model, const std::filesystem::path& directory);
// config.json + model.safetensors (tied head stored once, Conv1D weights as [in, out]). A model
// with LoRA adapters also gets adapter_model.safetensors + adapter_config.json (PEFT names and
// fields) beside its unchanged base weights, or with merge_lora one plain model.safetensors whose
// adapted weights are W + (alpha / r) B A. load_model applies adapters it finds.
void save_model(CausalLM& model, const std::filesystem::path& directory, DType dtype = DType::kF32, bool merge_lora = false);

using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;
void save_tensors(const std::filesystem::path& path, const NamedTensors& tensors);
std::map<std::string, torch::Tensor> load_tensors(const std::filesystem::path& path);

}  // namespace sluice::finetune
