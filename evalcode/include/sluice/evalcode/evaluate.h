#pragma once
// Runs every sample of every task through its language's runner on parallel workers, reuses the
// samples an earlier run already executed (same task, same completion, same limits), and scores
// the result with pass@k per task and overall. Results are files a person can check:
// OUT/samples.jsonl (one line per sample) and OUT/results.json (docs/eval-code.md).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sluice/evalcode/sandbox.h"
#include "sluice/evalcode/tasks.h"

namespace sluice::evalcode {

struct Sample {
  std::string task_id;
  std::uint64_t index = 0;  // the sample's number within its task
  std::string completion;
};

struct SampleResult {
  Sample sample;
  bool passed = false;
  std::string reason;  // see Verdict
  int exit_code = -1;
  int signal = 0;
  double seconds = 0;
  std::string out, err;
  bool reused = false;  // taken from an earlier run's samples.jsonl
};

struct TaskScore {
  std::uint64_t n = 0, correct = 0;
  std::map<std::uint64_t, double> pass_at;        // k -> pass@k, for k <= n
  std::map<std::string, std::uint64_t> reasons;  // failures by reason
};

struct EvaluationOptions {
  std::vector<std::uint64_t> ks = {1, 10};
  Limits limits;  // of each test run
  SandboxOptions sandbox;
  std::filesystem::path out;  // where samples.jsonl and results.json go; empty: nowhere
  std::map<std::string, std::string> report_fields;  // extra JSON string fields for results.json
};

struct Evaluation {
  std::map<std::string, TaskScore> tasks;
  std::map<std::uint64_t, double> pass_at;  // k -> mean over tasks; only k <= every task's n
  std::vector<std::uint64_t> skipped_ks;    // asked for, but some task has fewer samples
  std::map<std::string, std::uint64_t> reasons;
  std::vector<SampleResult> samples;
  std::uint64_t executed = 0, reused = 0, sandbox_errors = 0;
  std::string isolation;
  double seconds = 0;
  // What results.json holds; `extra` string fields (checkpoint, sampling settings) come first.
  std::string results_json(const std::map<std::string, std::string>& extra = {}) const;
};

// Every sample's task_id must name a task (Error otherwise); tasks without samples are an Error
// too, since pass@k over them is undefined.
Evaluation evaluate(const std::vector<Task>& tasks, const std::vector<Sample>& samples, const EvaluationOptions& options);

}  // namespace sluice::evalcode
