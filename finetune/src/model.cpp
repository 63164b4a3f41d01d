#include "model.h"

#include <algorithm>
#include <cmath>

namespace sluice::finetune {
namespace {

namespace nn = torch::nn;

nn::Linear linear(std::int64_t in, std::int64_t out) { return nn::Linear(nn::LinearOptions(in, out).bias(true)); }

struct Gpt2Attention : nn::Module {
  Gpt2Attention(const ModelConfig& c) : heads(c.n_head), width(c.n_embd) {
    c_attn = AdaptableLinear(register_module("c_attn", linear(c.n_embd, 3 * c.n_embd)));
    c_proj = AdaptableLinear(register_module("c_proj", linear(c.n_embd, c.n_embd)));
  }
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, KVCache* cache, std::size_t layer) {
    const auto b = x.size(0), t = x.size(1), d = width / heads;
    auto qkv = c_attn(x).split(width, 2);
    auto split_heads = [&](const torch::Tensor& y) { return y.view({b, t, heads, d}).transpose(1, 2); };
    auto q = split_heads(qkv[0]), k = split_heads(qkv[1]), v = split_heads(qkv[2]);
    if (cache != nullptr) {
      if (cache->keys.size() <= layer) {
        cache->keys.push_back(k);
        cache->values.push_back(v);
      } else {
        k = cache->keys[layer] = torch::cat({cache->keys[layer], k}, 2);
        v = cache->values[layer] = torch::cat({cache->values[layer], v}, 2);
      }
    }
    auto scores = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(static_cast<double>(d)));
    scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    auto y = torch::matmul(torch::softmax(scores, -1, scores.scalar_type()), v);
    return c_proj(y.transpose(1, 2).reshape({b, t, width}));
  }
  std::int64_t heads, width;
  AdaptableLinear c_attn, c_proj;
};

struct Gpt2Mlp : nn::Module {
  explicit Gpt2Mlp(const ModelConfig& c) {
    c_fc = AdaptableLinear(register_module("c_fc", linear(c.n_embd, 4 * c.n_embd)));
    c_proj = AdaptableLinear(register_module("c_proj", linear(4 * c.n_embd, c.n_embd)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return c_proj(torch::gelu(c_fc(x), "tanh")); }
  AdaptableLinear c_fc, c_proj;
};

nn::LayerNorm layer_norm(const ModelConfig& c) {
  return nn::LayerNorm(nn::LayerNormOptions({c.n_embd}).eps(c.layer_norm_epsilon));
}

struct Gpt2Block : nn::Module {
  explicit Gpt2Block(const ModelConfig& c) {
    ln_1 = register_module("ln_1", layer_norm(c));
    attn = register_module("attn", std::make_shared<Gpt2Attention>(c));
    ln_2 = register_module("ln_2", layer_norm(c));
    mlp = register_module("mlp", std::make_shared<Gpt2Mlp>(c));
  }
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& mask, KVCache* cache, std::size_t layer) {
    x = x + attn->forward(ln_1(x), mask, cache, layer);
    return x + mlp->forward(ln_2(x));
  }
  nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
  std::shared_ptr<Gpt2Attention> attn;
  std::shared_ptr<Gpt2Mlp> mlp;
};

// GPT-2 (Radford et al. 2019) with Hugging Face's module names, so named_parameters() are the
// tensor names of model.safetensors.
class Gpt2 final : public CausalLM {
 public:
  explicit Gpt2(const ModelConfig& c) : CausalLM(c) {
    wte = register_module("wte", nn::Embedding(c.vocab_size, c.n_embd));
    wpe = register_module("wpe", nn::Embedding(c.n_positions, c.n_embd));
    h = register_module("h", nn::ModuleList());
    for (std::int64_t i = 0; i < c.n_layer; ++i) {
      blocks.push_back(std::make_shared<Gpt2Block>(c));
      h->push_back(blocks.back());
    }
    ln_f = register_module("ln_f", layer_norm(c));
    reset_parameters();
  }

  torch::Tensor hidden(const torch::Tensor& tokens, const torch::Tensor& doc_ids, KVCache* cache) override {
    const auto t = tokens.size(1);
    const std::int64_t past = cache != nullptr ? cache->length : 0;
    if (past + t > config().n_positions) {
      throw std::runtime_error("sequence of " + std::to_string(past + t) + " tokens exceeds n_positions " + std::to_string(config().n_positions));
    }
    const auto on = torch::TensorOptions().device(tokens.device());
    const auto positions = torch::arange(past, past + t, on.dtype(torch::kLong));
    // Causal mask [1 or B, 1, T, past + T]: query i (absolute past + i) sees keys 0..past + i.
    auto mask = torch::ones({t, past + t}, on.dtype(torch::kBool)).tril(past).view({1, 1, t, past + t});
    if (doc_ids.defined()) mask = mask & (doc_ids.unsqueeze(2) == doc_ids.unsqueeze(1)).unsqueeze(1);
    auto x = wte(tokens) + wpe(positions);
    for (std::size_t i = 0; i < blocks.size(); ++i) x = blocks[i]->forward(x, mask, cache, i);
    if (cache != nullptr) cache->length += t;
    return ln_f(x);
  }

  torch::Tensor head_weight() override { return wte->weight; }

  std::vector<std::pair<std::string, AdaptableLinear*>> adaptable_layers() override {
    std::vector<std::pair<std::string, AdaptableLinear*>> out;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      const std::string p = "h." + std::to_string(i) + ".";
      out.emplace_back(p + "attn.c_attn", &blocks[i]->attn->c_attn);
      out.emplace_back(p + "attn.c_proj", &blocks[i]->attn->c_proj);
      out.emplace_back(p + "mlp.c_fc", &blocks[i]->mlp->c_fc);
      out.emplace_back(p + "mlp.c_proj", &blocks[i]->mlp->c_proj);
    }
    return out;
  }

  bool stored_transposed(const std::string& name) const override {
    auto ends_with = [&](const char* suffix) {
      const std::string s(suffix);
      return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return ends_with("attn.c_attn.weight") || ends_with("attn.c_proj.weight") || ends_with("mlp.c_fc.weight") ||
           ends_with("mlp.c_proj.weight");
  }

  bool ignored_on_load(const std::string& name) const override {
    auto ends_with = [&](const std::string& s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
    return ends_with(".attn.bias") || ends_with(".attn.masked_bias") || name == "lm_head.weight";
  }

  void reset_parameters() override {
    torch::NoGradGuard no_grad;
    // GPT-2's scheme: N(0, 0.02) everywhere, residual projections scaled by 1/sqrt(2 * n_layer).
    const double residual_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config().n_layer));
    for (auto& item : named_parameters()) {
      const auto& name = item.key();
      auto& p = item.value();
      if (name.find("ln_") != std::string::npos) {
        if (name.size() > 7 && name.compare(name.size() - 6, 6, "weight") == 0) p.fill_(1.0);
        else p.zero_();
      } else if (p.dim() == 1) {
        p.zero_();
      } else if (name.find("c_proj.weight") != std::string::npos) {
        p.normal_(0.0, residual_std);
      } else {
        p.normal_(0.0, 0.02);
      }
    }
  }

  nn::Embedding wte{nullptr}, wpe{nullptr};
  nn::ModuleList h{nullptr};
  std::vector<std::shared_ptr<Gpt2Block>> blocks;
  nn::LayerNorm ln_f{nullptr};
};

// Forward and backward of the fused head + loss in one pass over row chunks.
class FusedHeadLoss : public torch::autograd::Function<FusedHeadLoss> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, torch::Tensor hidden, torch::Tensor head,
                               torch::Tensor targets, std::int64_t dtype_code) {
    const auto dtype = static_cast<torch::ScalarType>(dtype_code);
    // A frozen head (LoRA) needs no [V, C] gradient: a third of the head's FLOPs saved.
    const bool want_hidden = ctx != nullptr && hidden.requires_grad(), want_head = ctx != nullptr && head.requires_grad();
    const bool want_grad = want_hidden || want_head;
    const auto n = hidden.size(0), v = head.size(0);
    // About 96 MiB of fp32 logits per chunk (~500 rows of GPT-2's vocabulary): few enough chunks
    // that the head matmuls stay large, a fraction of the full [N, V] tensor. A GPU gets 1 GiB
    // chunks (~5300 rows): its matmuls need far more rows to fill the chip, and each chunk's
    // [V, C] gradient product would otherwise be launched and summed dozens of times.
    const std::int64_t budget = hidden.is_cuda() ? std::int64_t{256} << 20 : std::int64_t{24} << 20;
    const std::int64_t chunk = std::max<std::int64_t>(64, budget / std::max<std::int64_t>(v, 1));
    const auto h = hidden.to(dtype);
    const auto w = head.to(dtype);
    auto total = torch::zeros({}, hidden.options().dtype(torch::kDouble));
    torch::Tensor grad_hidden, grad_head;
    if (want_hidden) grad_hidden = torch::empty({n, hidden.size(1)}, hidden.options().dtype(torch::kFloat));
    if (want_head) grad_head = torch::zeros_like(head, head.options().dtype(torch::kFloat));
    const double inv_n = 1.0 / static_cast<double>(n);
    // On a GPU the head's cost beyond its matmuls is the elementwise passes over each chunk's
    // logits: there one fused log-softmax replaces the float copy, logsumexp (several passes of
    // its own) and the subtraction, and 1/N scales the small gradient products after the loop
    // instead of the logits. The CPU keeps its formulation, so its results stay bit for bit.
    const bool fused = hidden.is_cuda();
    for (std::int64_t begin = 0; begin < n; begin += chunk) {
      const auto end = std::min(n, begin + chunk);
      const auto rows = h.slice(0, begin, end);
      const auto tgt = targets.slice(0, begin, end).unsqueeze(1);
      torch::Tensor probs;  // the softmax, then d loss / d logits, in place over the logits buffer
      if (fused) {
        probs = torch::log_softmax(torch::mm(rows, w.t()), 1, torch::kFloat);
        total -= probs.gather(1, tgt).sum().to(torch::kDouble);
        if (!want_grad) continue;
        probs.exp_();
      } else {
        auto logits = torch::mm(rows, w.t()).to(torch::kFloat);
        const auto lse = torch::logsumexp(logits, 1, true);
        total += (lse - logits.gather(1, tgt)).sum().to(torch::kDouble);
        if (!want_grad) continue;
        probs = logits.sub_(lse).exp_();
      }
      // d loss / d logits = (softmax - onehot) / N
      probs.scatter_add_(1, tgt, torch::full({end - begin, 1}, -1.0f, probs.options()));
      if (!fused) probs.mul_(inv_n);
      const auto g = probs.to(dtype);
      if (want_hidden) {
        auto out = grad_hidden.slice(0, begin, end);
        if (dtype == torch::kFloat) torch::mm_out(out, g, w);
        else out.copy_(torch::mm(g, w));
      }
      if (!want_head) continue;
      // Accumulate in the BLAS call (beta = 1) rather than through a [V, C] temporary per chunk.
      if (dtype == torch::kFloat) grad_head.addmm_(g.t(), rows);
      else grad_head.add_(torch::mm(g.t(), rows));
    }
    if (fused && want_hidden) grad_hidden.mul_(inv_n);
    if (fused && want_head) grad_head.mul_(inv_n);
    if (want_grad) {
      ctx->save_for_backward({want_hidden ? grad_hidden.to(hidden.scalar_type()) : torch::Tensor(),
                              want_head ? grad_head.to(head.scalar_type()) : torch::Tensor()});
    }
    return (total * inv_n).to(torch::kFloat);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx, torch::autograd::variable_list grad) {
    const auto saved = ctx->get_saved_variables();
    const auto scale = grad[0];
    auto scaled = [&](const torch::Tensor& g) { return g.defined() ? g * scale : torch::Tensor(); };
    return {scaled(saved[0]), scaled(saved[1]), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor AdaptableLinear::operator()(const torch::Tensor& x) {
  auto y = base_(x);
  if (has_lora()) y = y + lora_b_(lora_a_(x)) * scale_;
  return y;
}

void AdaptableLinear::add_lora(std::int64_t rank, double alpha) {
  const auto in = base_->weight.size(1), out = base_->weight.size(0);
  // nn::Linear's own initialisation is kaiming_uniform(a = sqrt(5)): U(-1/sqrt(in), 1/sqrt(in)).
  lora_a_ = base_->register_module("lora_A", nn::Linear(nn::LinearOptions(in, rank).bias(false)));
  lora_b_ = base_->register_module("lora_B", nn::Linear(nn::LinearOptions(rank, out).bias(false)));
  torch::NoGradGuard no_grad;
  lora_b_->weight.zero_();
  scale_ = alpha / static_cast<double>(rank);
}

torch::Tensor AdaptableLinear::merged_weight() const {
  torch::NoGradGuard no_grad;
  auto w = base_->weight.detach();
  if (!has_lora()) return w;
  return w + torch::mm(lora_b_->weight, lora_a_->weight) * scale_;
}

bool is_lora_parameter(const std::string& name) {
  return name.find(".lora_A.") != std::string::npos || name.find(".lora_B.") != std::string::npos;
}

std::size_t CausalLM::add_lora(const LoraSettings& settings) {
  if (settings.rank < 1) throw std::runtime_error("--lora-rank must be positive");
  std::size_t adapted = 0;
  for (auto& [name, layer] : adaptable_layers()) {
    const bool wanted = std::any_of(settings.targets.begin(), settings.targets.end(), [&](const std::string& t) {
      return name.size() > t.size() && name.compare(name.size() - t.size(), t.size(), t) == 0 && name[name.size() - t.size() - 1] == '.';
    });
    if (!wanted || layer->has_lora()) continue;
    layer->add_lora(settings.rank, settings.alpha);
    ++adapted;
  }
  if (adapted == 0) {
    std::string known;  // the distinct layer names below the block, e.g. "attn.c_attn"
    for (auto& item : adaptable_layers()) {
      const auto short_name = item.first.substr(item.first.find('.', 2) + 1);
      if (known.find(short_name) == std::string::npos) known += (known.empty() ? "" : ", ") + short_name;
    }
    throw std::runtime_error("--lora-targets matched no layer; this model's layers are " + known);
  }
  for (auto& item : named_parameters(true)) item.value().set_requires_grad(is_lora_parameter(item.key()));
  lora_ = settings;
  return adapted;
}

std::shared_ptr<CausalLM> make_model(const ModelConfig& config) {
  validate(config, "model config");
  if (config.model_type == "gpt2") return std::make_shared<Gpt2>(config);
  throw std::runtime_error("model_type " + config.model_type + " is not implemented");
}

torch::Tensor fused_head_cross_entropy(const torch::Tensor& hidden, const torch::Tensor& head, const torch::Tensor& targets,
                                       torch::ScalarType dtype) {
  if (torch::GradMode::is_enabled() && (hidden.requires_grad() || head.requires_grad())) {
    return FusedHeadLoss::apply(hidden, head, targets, static_cast<std::int64_t>(dtype));
  }
  return FusedHeadLoss::forward(nullptr, hidden, head, targets, static_cast<std::int64_t>(dtype));
}

}  // namespace sluice::finetune
