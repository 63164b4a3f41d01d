// eval-code-sample: the LibTorch half of `sluice eval-code --ckpt` (hidden: `sluice eval-code`
// calls it through the module). Reads the requests eval-code wrote, samples, writes
// {task_id, sample, completion} lines atomically.
#include <iostream>

#include "command.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/evalcode/completion_store.h"
#include "sluice/finetune/completion.h"
#include "sluice/finetune/train.h"

namespace sluice::cli {
namespace {

using namespace sluice::finetune;

const bool registered = register_command({
    "eval-code-sample", "Sample completions for eval-code (internal)", 9000, [](CLI::App& app) -> RunFunction {
      auto o = std::make_shared<CompletionOptions>();
      auto requests = std::make_shared<std::string>();
      auto out = std::make_shared<std::string>();
      app.add_option("--ckpt", o->checkpoint, "Checkpoint directory")->required();
      app.add_option("--tokenizer", o->tokenizer, "tokenizer.json (default: CKPT/tokenizer.json)");
      app.add_option("--requests", *requests, "JSONL of task_id, prompt, first_sample, count")->required();
      app.add_option("--out", *out, "JSONL of task_id, sample, completion to write")->required();
      app.add_option("--temperature", o->temperature, "Softmax temperature (0: greedy)")->default_val(o->temperature);
      app.add_option("--top-p", o->top_p, "Nucleus sampling mass")->default_val(o->top_p);
      app.add_option("--top-k", o->top_k, "Top-k (0: all)")->default_val(o->top_k);
      app.add_option("--max-new-tokens", o->max_new_tokens, "Tokens per completion at most")->default_val(o->max_new_tokens);
      app.add_option("--stop", o->stops, "Stop sequences (repeatable)");
      app.add_option("--seed", o->seed, "Sampling seed")->default_val(o->seed);
      app.add_option("--batch-size", o->batch_size, "Sequences decoded at once")->default_val(o->batch_size);
      app.add_option("-j,--threads", o->threads, "Intra-op threads (0: one per CPU)")->default_val(0);
      return [o, requests, out] {
        ensure_passive_wait_policy();
        std::vector<CompletionPrompt> prompts;
        for (const auto& r : evalcode::read_requests(*requests)) prompts.push_back({r.task_id, r.prompt, r.first_sample, r.count});
        AtomicFile file(*out);
        sample_completions(*o, prompts, [&](const CompletionPrompt& p, std::uint64_t sample, const std::string& completion) {
          JsonWriter line;
          line.begin_object().field("task_id", p.id).field("sample", sample).field("completion", completion).end_object();
          std::string text = line.take() + "\n";
          file.write(text.data(), text.size());
        });
        file.commit();
        return 0;
      };
    }});

}  // namespace
}  // namespace sluice::cli
