// Batched sampling of code completions with stop sequences (see completion.h).
#include "sluice/finetune/completion.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <cstdio>

#include "checkpoint_io.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/finetune/train.h"
#include "sluice/tokenize/tokenizer.h"

namespace sluice::finetune {
namespace {

// Temperature, top-k and nucleus filtering of logits [B, V], then one draw per row from that
// row's own generator.
std::vector<std::int64_t> pick_tokens(torch::Tensor logits, const CompletionOptions& o, std::vector<at::Generator>& generators) {
  const auto rows = logits.size(0);
  std::vector<std::int64_t> picked(static_cast<std::size_t>(rows));
  if (o.temperature <= 0) {
    const auto best = logits.argmax(-1);
    for (std::int64_t b = 0; b < rows; ++b) picked[static_cast<std::size_t>(b)] = best[b].item<std::int64_t>();
    return picked;
  }
  logits = logits / o.temperature;
  if (o.top_k > 0 && o.top_k < logits.size(1)) {
    const auto kth = std::get<0>(logits.topk(o.top_k, -1)).select(1, o.top_k - 1).unsqueeze(1);
    logits = logits.masked_fill(logits < kth, -INFINITY);
  }
  if (o.top_p < 1.0) {  // keep the smallest prefix of each sorted row with mass >= top_p
    auto [sorted, index] = logits.sort(-1, /*descending=*/true);
    const auto probs = torch::softmax(sorted, -1);
    const auto drop = (probs.cumsum(-1) - probs) > o.top_p;
    sorted = sorted.masked_fill(drop, -INFINITY);
    logits = torch::full_like(logits, -INFINITY).scatter(-1, index, sorted);
  }
  const auto probs = torch::softmax(logits, -1);
  for (std::int64_t b = 0; b < rows; ++b) {
    picked[static_cast<std::size_t>(b)] =
        torch::multinomial(probs[b], 1, false, generators[static_cast<std::size_t>(b)]).item<std::int64_t>();
  }
  return picked;
}

// Byte-level tokens can end inside a UTF-8 character; like Hugging Face's decode(errors="replace"),
// a byte that does not start a valid sequence becomes U+FFFD, so completions stay valid JSON text.
std::string replace_invalid_utf8(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  for (std::size_t i = 0; i < size;) {
    const unsigned char lead = bytes[i];
    std::size_t length = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    bool ok = length > 0 && i + length <= size && !(lead == 0xC0 || lead == 0xC1 || lead > 0xF4);
    for (std::size_t k = 1; ok && k < length; ++k) ok = (bytes[i + k] & 0xC0) == 0x80;
    if (ok && length == 3) {  // no overlong forms, no surrogates
      ok = !(lead == 0xE0 && bytes[i + 1] < 0xA0) && !(lead == 0xED && bytes[i + 1] >= 0xA0);
    }
    if (ok && length == 4) ok = !(lead == 0xF0 && bytes[i + 1] < 0x90) && !(lead == 0xF4 && bytes[i + 1] >= 0x90);
    if (ok) {
      out.append(text, i, length);
      i += length;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

}  // namespace

std::string cut_at_stop(const std::string& text, const std::vector<std::string>& stops) {
  std::size_t cut = text.size();
  for (const auto& stop : stops) {
    if (stop.empty()) continue;
    cut = std::min(cut, text.find(stop));
  }
  return text.substr(0, cut);
}

void sample_completions(const CompletionOptions& o, const std::vector<CompletionPrompt>& prompts,
                        const std::function<void(const CompletionPrompt&, std::uint64_t, const std::string&)>& emit) {
  configure_threads(o.threads);
  auto model = load_model(o.checkpoint);
  model->eval();
  torch::NoGradGuard no_grad;
  const auto& config = model->config();
  const auto tokenizer = o.tokenizer.empty() ? o.checkpoint / "tokenizer.json" : o.tokenizer;
  if (!std::filesystem::exists(tokenizer)) throw Error(tokenizer.string() + ": no tokenizer to encode prompts; pass --tokenizer");
  const auto codec = tokenize::Tokenizer::load(tokenizer);
  tokenize::Encoder encoder(codec);
  // A model may have more rows than the tokenizer has ids (vocabularies padded to a multiple of
  // 64, a tokenizer that stopped merging early): ids the tokenizer cannot decode are never drawn.
  const std::int64_t known = std::min<std::int64_t>(codec.vocab_size(), config.vocab_size);
  const std::int64_t batch_size = std::max<std::int64_t>(1, o.batch_size);

  for (const auto& p : prompts) {
    std::vector<std::int64_t> ids;
    for (const auto t : encoder.encode(p.prompt)) ids.push_back(t);
    if (ids.empty()) throw Error("task " + p.id + ": the prompt is empty");
    // A prompt longer than the context keeps its end, which holds the signature to complete.
    const auto room = std::max<std::int64_t>(1, config.n_positions - std::min<std::int64_t>(o.max_new_tokens, config.n_positions / 2));
    if (static_cast<std::int64_t>(ids.size()) > room) {
      std::fprintf(stderr, "eval-code: task %s: prompt of %zu tokens keeps its last %lld (n_positions %lld)\n", p.id.c_str(),
                   ids.size(), static_cast<long long>(room), static_cast<long long>(config.n_positions));
      ids.erase(ids.begin(), ids.end() - room);
    }
    for (std::uint64_t done = 0; done < p.count;) {
      const auto rows = static_cast<std::int64_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(batch_size), p.count - done));
      std::vector<at::Generator> generators;
      for (std::int64_t b = 0; b < rows; ++b) {
        const std::uint64_t sample = p.first_sample + done + static_cast<std::uint64_t>(b);
        generators.push_back(at::make_generator<at::CPUGeneratorImpl>(xxh3_64(p.id + "#" + std::to_string(sample), o.seed)));
      }
      KVCache cache;
      auto hidden = model->hidden(torch::tensor(ids, torch::kLong).unsqueeze(0).expand({rows, -1}).contiguous(), {}, &cache);
      std::vector<std::vector<std::uint32_t>> tokens(static_cast<std::size_t>(rows));
      std::vector<bool> finished(static_cast<std::size_t>(rows), false);
      std::int64_t length = static_cast<std::int64_t>(ids.size());
      for (std::int64_t step = 0; step < o.max_new_tokens && length < config.n_positions; ++step, ++length) {
        const auto logits = model->logits(hidden.select(1, hidden.size(1) - 1)).to(torch::kFloat).slice(1, 0, known);
        const auto next = pick_tokens(logits, o, generators);
        bool all_done = true;
        for (std::size_t b = 0; b < next.size(); ++b) {
          if (finished[b]) continue;
          if (next[b] == config.eos_token_id) {
            finished[b] = true;
            continue;
          }
          tokens[b].push_back(static_cast<std::uint32_t>(next[b]));
          const std::string text = codec.decode(tokens[b]);
          if (cut_at_stop(text, o.stops).size() < text.size()) finished[b] = true;
          all_done = all_done && finished[b];
        }
        if (all_done) break;
        // Finished rows keep decoding (the batch stays rectangular); their tokens are ignored.
        hidden = model->hidden(torch::tensor(next, torch::kLong).unsqueeze(1), {}, &cache);
      }
      for (std::int64_t b = 0; b < rows; ++b) {
        const std::string text = replace_invalid_utf8(codec.decode(tokens[static_cast<std::size_t>(b)]));
        emit(p, p.first_sample + done + static_cast<std::uint64_t>(b), cut_at_stop(text, o.stops));
      }
      done += static_cast<std::uint64_t>(rows);
    }
  }
}

}  // namespace sluice::finetune
