#pragma once
// Completions sampled from a model, kept in OUT/completions.jsonl so that a rerun with a larger
// --n samples only the missing ones. A line is valid for a task when its task digest (the prompt
// changed?) and its sampling key (checkpoint, temperature, stops, ...) match the current run.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "sluice/evalcode/evaluate.h"
#include "sluice/evalcode/tasks.h"

namespace sluice::evalcode {

// One batch for the sampler: `count` completions of `prompt`, numbered from first_sample.
struct SampleRequest {
  std::string task_id;
  std::string prompt;
  std::uint64_t first_sample = 0, count = 0;
};

// The request file the sampler reads, and the file of {task_id, sample, completion} it writes.
void write_requests(const std::filesystem::path& path, const std::vector<SampleRequest>& requests);
std::vector<SampleRequest> read_requests(const std::filesystem::path& path);

class CompletionStore {
 public:
  CompletionStore(std::filesystem::path file, std::string sampling_key);
  std::vector<SampleRequest> missing(const std::vector<Task>& tasks, std::uint64_t n) const;
  // Adds the sampler's output (lines of task_id, sample, completion) and rewrites the file atomically.
  void add(const std::vector<Task>& tasks, const std::filesystem::path& sampled);
  // The first n completions of every task, in sample order.
  std::vector<Sample> samples(const std::vector<Task>& tasks, std::uint64_t n) const;

 private:
  struct Line {
    std::string task_id, task_digest, sampling, completion;
    std::uint64_t sample = 0;
  };
  static std::string index_key(const std::string& task_id, const std::string& digest, std::uint64_t sample);
  void index(std::size_t line);
  const Line* find(const Task& task, std::uint64_t sample) const;
  std::filesystem::path file_;
  std::string key_;
  std::vector<Line> lines_;  // every line of the file, the other runs' too
  std::unordered_map<std::string, std::size_t> index_;  // lines of this sampling key
};

}  // namespace sluice::evalcode
