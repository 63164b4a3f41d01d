#pragma once
// The ten-problem task file and the "fake model" that answers it with known completions.
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::test {

struct FakeSample {
  std::string task_id;
  std::string completion;
  bool correct;
  std::string reason;  // expected failure reason; "" when correct
};

// Ten small HumanEval-style Python problems (task_id "test/0" .. "test/9").
void write_ten_tasks(const std::filesystem::path& path);
// Five completions per task, in task order: correct ones, wrong ones, and one each of an
// infinite loop, a fork bomb, a memory hog, a huge file, a network attempt, a syntax error and an
// exception. Correct counts per task: 5 4 3 2 1 0 5 3 1 0.
std::vector<FakeSample> fake_model();
void write_completions(const std::filesystem::path& path, const std::vector<FakeSample>& samples);

}  // namespace sluice::test
