#pragma once
// A synthetic code corpus with planted duplicates, for the dedup quality and end-to-end tests.
// Unrelated documents are random Python-like functions over a large random vocabulary; planted
// variants of some of them are exact copies or edits a real corpus shows: whitespace reformatted,
// comments changed, a license header added, an identifier renamed, lines edited, functions
// reordered. The true similarities are measured, not assumed (see quality_test.cpp).
#include <cstdint>
#include <string>
#include <vector>

namespace sluice::test {

struct GeneratedDoc {
  std::string id;
  std::string text;
  std::string kind;     // "unrelated", "base", or the edit that made it ("exact", "rename", ...)
  int base = -1;        // index of the document it was made from
  std::string license;  // SPDX id or empty
  int stars = 0;
};

std::vector<GeneratedDoc> generate_corpus(std::size_t bases, std::size_t unrelated, std::uint64_t seed);

}  // namespace sluice::test
