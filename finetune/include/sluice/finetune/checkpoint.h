#pragma once
// Checkpoint directories in Hugging Face layout (config.json + model.safetensors, GPT-2 names,
// Conv1D weights stored [in, out]); the training state lives beside them. Torch-free API over the
// torch implementation. docs/checkpoint-format.md has the layout.
#include <cstdint>
#include <filesystem>

#include "sluice/finetune/config.h"
#include "sluice/finetune/safetensors.h"

namespace sluice::finetune {

// Writes a freshly initialised model (seeded) as a checkpoint directory.
void init_checkpoint(const ModelConfig& config, std::uint64_t seed, const std::filesystem::path& out);
// Loads a checkpoint (any accepted layout and dtype) and writes it back as one file of `dtype`;
// LoRA adapters in `in` are merged into the weights (a plain Hugging Face GPT-2 directory).
void convert_checkpoint(const std::filesystem::path& in, const std::filesystem::path& out, DType dtype);

}  // namespace sluice::finetune
