// Evaluation of a checkpoint on shards, and sampling with a KV cache.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include "checkpoint_io.h"
#include "sluice/core/error.h"
#include "sluice/finetune/train.h"
#include "train_common.h"

namespace sluice::finetune {

EvalResult evaluate(const EvalOptions& o) {
  configure_threads(o.threads);
  const auto dtype = precision_dtype(o.precision);
  const auto device = select_device(o.device, 1);
  auto model = load_model(o.checkpoint);
  if (device.is_cuda()) model->to(device);
  model->eval();
  const std::int64_t seq_len = o.seq_len > 0 ? o.seq_len : model->config().n_positions;
  if (seq_len > model->config().n_positions) throw Error("--seq-len exceeds the model's n_positions");
  // Held-out loss is what eval is for: where DIR has validation shards (`sluice tokenize` writes
  // DIR/val/), only those are read; otherwise every shard of DIR is.
  auto files = list_token_files(o.data, true);
  if (files.empty()) files = list_token_files(o.data, false);
  if (files.empty()) throw Error(o.data.string() + ": no token shards (*.tok or llm.c *.bin)");
  const WindowLoader loader(files, seq_len, 0, false);
  if (loader.num_windows() == 0) throw Error(o.data.string() + ": fewer than seq_len + 1 tokens; pass a smaller --seq-len");
  const auto tokenizer = find_tokenizer({o.tokenizer, o.data, o.checkpoint});
  std::optional<TokenBytes> bytes;
  if (!tokenizer.empty()) bytes = load_token_bytes(tokenizer);
  ValStats stats;
  {
    AutocastScope autocast(dtype == torch::kBFloat16, device.type());
    stats = validation_loss(*model, loader, o.batch_size, o.max_batches, dtype, bytes ? &*bytes : nullptr);
  }
  EvalResult result;
  result.loss = stats.loss;
  result.perplexity = std::exp(stats.loss);
  result.bits_per_byte = stats.bits_per_byte;
  result.tokens = stats.tokens;
  return result;
}

std::vector<float> compute_logits(const std::filesystem::path& checkpoint, const std::vector<std::uint32_t>& tokens) {
  auto model = load_model(checkpoint);
  model->eval();
  torch::NoGradGuard no_grad;
  std::vector<std::int64_t> ids(tokens.begin(), tokens.end());
  const auto logits = model->logits(model->hidden(torch::tensor(ids, torch::kLong).unsqueeze(0), {}, nullptr)).squeeze(0).contiguous();
  const float* data = logits.data_ptr<float>();
  return std::vector<float>(data, data + logits.numel());
}

std::vector<std::uint32_t> generate(const GenerateOptions& o) {
  configure_threads(o.threads);
  const auto device = select_device(o.device, 1);
  auto model = load_model(o.checkpoint);
  if (device.is_cuda()) model->to(device);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto& config = model->config();
  if (o.prompt.empty()) throw Error("the prompt is empty: give text or token ids");
  for (const auto t : o.prompt) {
    if (t >= config.vocab_size) throw Error("prompt token " + std::to_string(t) + " is outside the model's vocabulary");
  }
  auto generator = at::make_generator<at::CPUGeneratorImpl>(o.seed);
  std::vector<std::int64_t> context(o.prompt.begin(), o.prompt.end());
  std::vector<std::uint32_t> out;
  KVCache cache;
  torch::Tensor next_input = torch::tensor(context, torch::kLong).unsqueeze(0).to(device);
  for (std::int64_t i = 0; i < o.max_new_tokens; ++i) {
    if (static_cast<std::int64_t>(context.size()) >= config.n_positions) break;  // context window full
    torch::Tensor hidden;
    if (o.use_cache) {
      hidden = model->hidden(next_input, {}, &cache);
    } else {
      hidden = model->hidden(torch::tensor(context, torch::kLong).unsqueeze(0).to(device), {}, nullptr);
    }
    // Sampling runs on the host with the seeded CPU generator: the same tokens on any device
    // (up to the logits' rounding).
    auto logits = model->logits(hidden.select(1, hidden.size(1) - 1)).squeeze(0).to(torch::kFloat).to(torch::kCPU);
    std::int64_t token = 0;
    if (o.temperature <= 0) {
      token = logits.argmax().item<std::int64_t>();
    } else {
      logits = logits / o.temperature;
      if (o.top_k > 0 && o.top_k < logits.size(0)) {
        const auto kth = std::get<0>(logits.topk(o.top_k)).min();
        logits = logits.masked_fill(logits < kth, -INFINITY);
      }
      if (o.top_p < 1.0) {  // nucleus: keep the smallest prefix of sorted tokens with mass >= top_p
        auto [sorted, index] = logits.sort(/*dim=*/0, /*descending=*/true);
        const auto cumulative = torch::softmax(sorted, 0).cumsum(0);
        auto drop = (cumulative - torch::softmax(sorted, 0)) > o.top_p;
        sorted = sorted.masked_fill(drop, -INFINITY);
        logits = torch::full_like(logits, -INFINITY).scatter(0, index, sorted);
      }
      const auto probs = torch::softmax(logits, 0);
      token = torch::multinomial(probs, 1, false, generator).item<std::int64_t>();
    }
    if (o.stop_at_eos && token == config.eos_token_id) break;
    out.push_back(static_cast<std::uint32_t>(token));
    context.push_back(token);
    next_input = torch::tensor({token}, torch::kLong).unsqueeze(0).to(device);
  }
  return out;
}

}  // namespace sluice::finetune
