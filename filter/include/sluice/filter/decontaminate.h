#pragma once
// Benchmark decontamination: a document is dropped when it contains a benchmark item's prompt or
// solution (case- and whitespace-insensitive substring, as BigCode did) or shares a run of
// `ngram` words with one (as datatrove and NeMo do).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace sluice::filter {

struct DecontaminationHit {
  std::string item;   // "HumanEval/0", or FILE:LINE when the item has no id
  std::string field;  // "prompt", "canonical_solution", ... ("text" for plain files)
  std::string how;    // "substring" or "13-gram"
};

class Decontaminator {
 public:
  explicit Decontaminator(std::size_t ngram = 13, std::size_t min_chars = 32);

  // JSON Lines (one item per line: its string fields prompt, canonical_solution, solution, code,
  // question, problem, text, docstring; id from task_id / id / name) or any other file as one
  // item. Errors name the file and line.
  void add_file(const std::filesystem::path& path);
  void add_item(std::string item, std::string field, std::string_view text);

  std::optional<DecontaminationHit> check(std::string_view text) const;
  std::size_t items() const { return labels_.size(); }

 private:
  std::size_t ngram_;
  std::size_t min_chars_;
  std::vector<std::pair<std::string, std::string>> labels_;  // (item, field)
  std::vector<std::string> squeezed_;                         // per label: lowercase, no whitespace
  std::unordered_map<std::uint64_t, std::vector<std::uint32_t>> anchors_;  // first min_chars bytes -> labels
  std::unordered_map<std::uint64_t, std::uint32_t> ngrams_;                // n-gram hash -> label
};

}  // namespace sluice::filter
