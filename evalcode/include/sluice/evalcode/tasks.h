#pragma once
// Problems and completions as JSON Lines. Tasks follow openai/human-eval's HumanEval.jsonl
// (task_id, prompt, test, entry_point, optional canonical_solution; `language` defaults to
// python); MBPP lines (task_id, text, code, test_list) are converted by the rule in
// docs/eval-code.md. Every malformed line is an Error naming FILE:LINE.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::evalcode {

struct Task {
  std::string id;
  std::string prompt;
  std::string test;
  std::string entry_point;
  std::optional<std::string> canonical_solution;
  std::string language = "python";
  std::string digest;  // XXH3-128 hex of what execution depends on (prompt, test, entry point, language)
};

std::vector<Task> read_tasks(const std::filesystem::path& path);

// One MBPP record as a Task: the prompt is the problem text as a docstring above the first
// `def` line of the reference code, the tests are test_list (plus test_setup_code) inside
// check(candidate), the entry point is the name of that function.
Task convert_mbpp(std::string id, const std::string& text, const std::string& code,
                  const std::vector<std::string>& test_list, const std::string& test_setup_code);

struct Completion {
  std::string task_id;
  std::string completion;
};

// Lines of {"task_id", "completion"} in file order (bigcode --load_generations_path style).
std::vector<Completion> read_completions(const std::filesystem::path& path);

}  // namespace sluice::evalcode
