#pragma once
// Byte-level BPE training. Pre-tokens are counted in parallel over document files; then merges are
// chosen with incremental pair counts: a pair -> words index tells which words a merge touches,
// and a lazy max-heap (stale entries re-checked when popped) picks the most frequent pair.
// Memory is bounded by the number of distinct pre-tokens, not by the corpus size.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "sluice/tokenize/tokenizer.h"

namespace sluice::tokenize {

struct TrainOptions {
  std::uint32_t vocab_size = 32768;     // total, the 256 bytes and the special tokens included
  std::string pattern = "cl100k";       // gpt2 | cl100k | o200k, or a regex
  std::vector<std::string> specials = {kEndOfText, kFimPrefix, kFimMiddle, kFimSuffix, kFimPad};
  std::uint64_t max_document_bytes = 0;  // 0 = no cap; longer texts are cut (at a UTF-8 boundary)
  double sample = 1.0;                   // fraction of documents used, chosen by a hash of the id
  std::uint64_t min_frequency = 2;       // stop when the best pair is rarer than this
  unsigned threads = 0;
};

struct TrainStats {
  std::uint64_t documents = 0;
  std::uint64_t bytes = 0;
  std::uint64_t distinct_pretokens = 0;
  std::uint64_t merges = 0;
  double count_seconds = 0;
  double merge_seconds = 0;
};

// Pre-token counts -> tokenizer (the core, used by the file-level function and tests).
Tokenizer train_from_counts(std::vector<std::pair<std::string, std::uint64_t>> words, const TrainOptions& options,
                            TrainStats* stats = nullptr);

// Reads every document in `files` (JSON Lines shards), counts pre-tokens, trains.
Tokenizer train_from_documents(const std::vector<std::filesystem::path>& files, const TrainOptions& options,
                               TrainStats* stats = nullptr);

}  // namespace sluice::tokenize
