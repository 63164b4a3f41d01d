#pragma once
// The causal language model behind the training loop (torch; private to finetune/). The loop,
// the checkpoint code and sampling see only CausalLM, so another block family (a Llama block with
// RMSNorm, RoPE, SwiGLU, GQA) is a new subclass and a new case in make_model(), nothing more.
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "sluice/finetune/config.h"

namespace sluice::finetune {

// Keys and values of every layer for incremental decoding.
struct KVCache {
  std::vector<torch::Tensor> keys, values;  // per layer, [B, H, T_past, D]
  std::int64_t length = 0;
};

class CausalLM : public torch::nn::Module {
 public:
  explicit CausalLM(ModelConfig config) : config_(std::move(config)) {}
  const ModelConfig& config() const { return config_; }
  // Final hidden states [B, T, C]. doc_ids [B, T] (optional) restricts attention to positions of
  // the same packed document; cache (optional) holds past keys and values and is extended.
  virtual torch::Tensor hidden(const torch::Tensor& tokens, const torch::Tensor& doc_ids, KVCache* cache) = 0;
  virtual torch::Tensor head_weight() = 0;  // [V, C]
  // Parameters stored transposed in Hugging Face files (GPT-2's Conv1D weights).
  virtual bool stored_transposed(const std::string& name) const = 0;
  // Hugging Face names of buffers that files may carry and loading ignores (GPT-2's attn.bias).
  virtual bool ignored_on_load(const std::string& name) const = 0;
  virtual void reset_parameters() = 0;  // the family's initialisation, from torch's global RNG

  torch::Tensor logits(const torch::Tensor& hidden_states) { return torch::matmul(hidden_states, head_weight().t()); }

 private:
  ModelConfig config_;
};

std::shared_ptr<CausalLM> make_model(const ModelConfig& config);

// Mean cross-entropy of hidden [N, C] @ head [V, C]^T against targets [N], computed in row chunks
// so the [N, V] logits never exist at once. The gradients are formed in the same pass (the loss is
// the end of the graph), so backward costs no second head matmul. dtype: the matmul precision.
torch::Tensor fused_head_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& head,
                                       const torch::Tensor& targets, torch::ScalarType dtype);

}  // namespace sluice::finetune
