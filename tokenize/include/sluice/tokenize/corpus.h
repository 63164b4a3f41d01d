#pragma once
// Document shards -> token shards for training: EOS after every document, fill-in-the-middle
// (PSM / SPM at character level per document), a deterministic train / validation split, and a
// seeded shuffle of documents across the whole corpus.
//
// Two passes keep memory bounded: every input file is tokenized in parallel into work shards
// with small frames; then documents are read back in shuffled order (decompressing one small
// frame per document) into output shards of about `shard_tokens` tokens.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/tokenize/token_shard.h"
#include "sluice/tokenize/tokenizer.h"

namespace sluice::tokenize {

struct CorpusOptions {
  std::filesystem::path out;
  double fim_rate = -1;          // < 0: 0.5 when the tokenizer has FIM sentinels, else 0
  double fim_spm_rate = 0.5;     // share of FIM documents in SPM order
  double val_fraction = 0.01;    // by a hash of the document id, independent of the seed
  std::uint64_t seed = 1234;
  std::uint64_t shard_tokens = 100'000'000;
  unsigned threads = 0;
  std::string eos = kEndOfText;
  TokenShardOptions shard;       // output shard layout
};

struct SplitReport {
  std::uint64_t documents = 0;
  std::uint64_t tokens = 0;
  std::uint64_t file_bytes = 0;
  std::vector<std::string> shards;  // relative to `out`
};

struct CorpusReport {
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
  std::uint64_t fim_documents = 0;
  double fim_rate = 0;
  SplitReport train;
  SplitReport val;
  bool reused = false;  // the output was already complete for these inputs and options
  double seconds = 0;
};

CorpusReport tokenize_corpus(const std::vector<std::filesystem::path>& files, const Tokenizer& tokenizer,
                             const CorpusOptions& options);

// The FIM rearrangement of one document's text, encoded. Exposed for tests.
struct FimTokens {
  std::uint32_t prefix;
  std::uint32_t middle;
  std::uint32_t suffix;
};
void encode_fim(Encoder& encoder, std::string_view text, std::uint64_t rng_seed, bool spm, const FimTokens& fim,
                std::vector<std::uint32_t>& out);

}  // namespace sluice::tokenize
