#pragma once
// The causal language model behind the training loop (torch; private to finetune/). The loop,
// the checkpoint code and sampling see only CausalLM, so another block family (a Llama block with
// RMSNorm, RoPE, SwiGLU, GQA) is a new subclass and a new case in make_model(), nothing more.
#include <torch/torch.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/finetune/config.h"

namespace sluice::finetune {

// A Linear layer that can carry a LoRA adapter (Hu et al. 2021): y = x W^T + b + (alpha / r) x A^T B^T
// with A [r, in] and B [out, r]. The adapter's modules are children of the Linear module, so their
// parameters are named "<layer>.lora_A.weight" and "<layer>.lora_B.weight" as PEFT names them, and
// the base weight keeps its Hugging Face name.
class AdaptableLinear {
 public:
  AdaptableLinear() = default;
  explicit AdaptableLinear(torch::nn::Linear base) : base_(std::move(base)) {}
  torch::Tensor operator()(const torch::Tensor& x);
  // A ~ U(-1/sqrt(in), 1/sqrt(in)) from torch's global RNG (PEFT's choice), B = 0: the adapted
  // layer starts equal to the base layer.
  void add_lora(std::int64_t rank, double alpha);
  bool has_lora() const { return !lora_a_.is_empty(); }
  torch::Tensor merged_weight() const;  // W + (alpha / r) B A, [out, in]

 private:
  torch::nn::Linear base_{nullptr}, lora_a_{nullptr}, lora_b_{nullptr};
  double scale_ = 0;
};

struct LoraSettings {
  std::int64_t rank = 0;
  double alpha = 0;
  std::vector<std::string> targets;  // module-name suffixes: "c_attn", "c_proj", "mlp.c_proj", ...
};

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
  // The Linear layers an adapter may be added to, by Hugging Face module name ("h.0.attn.c_attn").
  virtual std::vector<std::pair<std::string, AdaptableLinear*>> adaptable_layers() = 0;

  // LoRA adapters on the layers whose name ends with one of settings.targets; returns how many.
  // Afterwards only adapter parameters require gradients.
  std::size_t add_lora(const LoraSettings& settings);
  const std::optional<LoraSettings>& lora() const { return lora_; }

  torch::Tensor logits(const torch::Tensor& hidden_states) { return torch::matmul(hidden_states, head_weight().t()); }

 private:
  ModelConfig config_;
  std::optional<LoraSettings> lora_;
};

bool is_lora_parameter(const std::string& name);  // "...lora_A.weight" / "...lora_B.weight"

std::shared_ptr<CausalLM> make_model(const ModelConfig& config);

// Mean cross-entropy of hidden [N, C] @ head [V, C]^T against targets [N], computed in row chunks
// so the [N, V] logits never exist at once. The gradients are formed in the same pass (the loss is
// the end of the graph), so backward costs no second head matmul. dtype: the matmul precision.
torch::Tensor fused_head_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& head,
                                       const torch::Tensor& targets, torch::ScalarType dtype);

}  // namespace sluice::finetune
