#pragma once
// Model hyper-parameters, read from and written to a Hugging Face `config.json` with the GPT-2
// field names, so a checkpoint directory loads in `transformers` as is. Torch-free: the CLI and
// the tests read configs without paying for torch headers.
#include <cstdint>
#include <filesystem>
#include <string>

namespace sluice::finetune {

struct ModelConfig {
  std::string model_type = "gpt2";  // the block family; "gpt2" is the one implemented
  std::int64_t n_layer = 12;
  std::int64_t n_head = 12;
  std::int64_t n_embd = 768;
  std::int64_t n_positions = 1024;
  std::int64_t vocab_size = 50257;
  double layer_norm_epsilon = 1e-5;
  std::int64_t bos_token_id = 50256;
  std::int64_t eos_token_id = 50256;

  std::int64_t head_dim() const { return n_embd / n_head; }
  // Parameters counted once (the head is tied to the token embedding).
  std::int64_t parameter_count() const;
};

// Reads config.json (or a model.json with the same fields); missing fields take GPT-2 124M values.
// Throws sluice::Error naming the file and the field when a value is wrong.
ModelConfig load_model_config(const std::filesystem::path& path);
std::string model_config_json(const ModelConfig& config);  // what save writes as config.json
void validate(const ModelConfig& config, const std::string& origin);

}  // namespace sluice::finetune
