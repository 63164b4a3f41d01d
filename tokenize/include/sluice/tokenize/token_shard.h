#pragma once
// Token shards (*.tok, docs/tok-format.md): token ids of many documents, stored as independently
// zstd-compressed frames of a fixed number of tokens, each with an XXH3 checksum, plus an index of
// document boundaries. A reader opens a shard, keeps only the index in memory, and decompresses
// just the frames that a token range touches.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace sluice::tokenize {

// The defaults come from bench/tokenize/run.sh on GPT-2 ids of C/C++ headers: 256 Ki-token frames
// at zstd level 9 with plain interleaved ids end up as small as whole-file `zstd -3` (see
// BENCHMARKS.md); byte planes lose there, because code repeats whole id sequences and planes
// split each repeat into two weaker ones.
struct TokenShardOptions {
  std::uint32_t frame_tokens = 1u << 18;  // tokens per frame (the last frame may be shorter)
  int zstd_level = 9;
  bool byte_planes = false;               // store each byte of the ids as its own plane in a frame
};

// Writes a shard atomically (core AtomicFile): nothing appears under the final name until finish().
// A token >= vocab_size is an Error naming the file.
class TokenShardWriter {
 public:
  TokenShardWriter(const std::filesystem::path& path, std::uint32_t vocab_size, std::string tokenizer_hash);
  TokenShardWriter(const std::filesystem::path& path, std::uint32_t vocab_size, std::string tokenizer_hash,
                   TokenShardOptions options);
  ~TokenShardWriter();
  TokenShardWriter(const TokenShardWriter&) = delete;
  TokenShardWriter& operator=(const TokenShardWriter&) = delete;

  void add_document(std::span<const std::uint32_t> tokens);
  void finish();

  std::uint64_t num_tokens() const;
  std::uint64_t num_documents() const;
  std::uint64_t file_bytes() const;  // valid after finish()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct FrameInfo {
  std::uint64_t offset = 0;        // byte offset of the compressed frame in the file
  std::uint32_t compressed = 0;    // its size in bytes
  std::uint32_t tokens = 0;        // tokens it holds
  std::uint64_t checksum = 0;      // XXH3-64 of the decoded little-endian token bytes
};

// Reads a shard. Const member functions are safe to call from many threads at once (pread).
class TokenShardReader {
 public:
  explicit TokenShardReader(const std::filesystem::path& path);  // validates header/footer; sluice::Error on bad file
  ~TokenShardReader();
  TokenShardReader(const TokenShardReader&) = delete;
  TokenShardReader& operator=(const TokenShardReader&) = delete;

  std::uint32_t vocab_size() const;
  std::uint64_t num_tokens() const;
  std::uint64_t num_documents() const;
  void read_tokens(std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& out) const;
  std::pair<std::uint64_t, std::uint64_t> document_range(std::uint64_t index) const;  // [begin, end) token offsets

  const std::string& tokenizer_hash() const;
  std::uint32_t token_bytes() const;      // 2 (uint16) or 4 (uint32)
  std::uint32_t frame_tokens() const;
  const std::vector<FrameInfo>& frames() const;
  std::uint64_t file_bytes() const;
  // Decompresses every frame and checks its checksum and that each token < vocab size; throws
  // Error naming the frame on the first problem.
  void verify() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::tokenize
