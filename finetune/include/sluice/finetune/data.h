#pragma once
// Training data: token shards (.tok from `sluice tokenize`, or llm.c .bin files) cut into windows
// of seq_len + 1 tokens, visited in a seeded order whose position is a small cursor that a
// checkpoint saves. Torch-free. docs/checkpoint-format.md describes the cursor.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sluice::finetune {

// One shard of tokens with its document boundaries.
class TokenShard {
 public:
  virtual ~TokenShard() = default;
  virtual std::uint64_t num_tokens() const = 0;
  virtual std::uint32_t vocab_size() const = 0;  // 0 when the format does not record it
  virtual void read(std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& out) const = 0;
  // Sorted start offsets of the documents (empty when unknown: EOS tokens are used then).
  virtual const std::vector<std::uint64_t>& document_starts() const = 0;
};

std::unique_ptr<TokenShard> open_token_shard(const std::filesystem::path& path);
// Writes an llm.c token file (magic 20240520, version 1, uint16 tokens); used by tests and tools.
void write_llmc_tokens(const std::filesystem::path& path, const std::vector<std::uint32_t>& tokens);

// Shard files of a data directory, sorted by name. Training: DIR/train/* and the files of DIR
// whose name lacks "val"; validation (`validation`): DIR/val/* and DIR/*val*.
std::vector<std::filesystem::path> list_token_files(const std::filesystem::path& dir, bool validation);

struct DataCursor {
  std::uint64_t epoch = 0;
  std::uint64_t position = 0;  // windows consumed in this epoch's order
};

struct Batch {
  std::int64_t batch = 0, seq_len = 0;
  std::vector<std::int64_t> inputs, targets;  // batch * seq_len each
  std::vector<std::int32_t> doc_ids;          // batch * seq_len, filled when document masks are on
};

class WindowLoader {
 public:
  // Windows [first_fraction, last_fraction) of the corpus in file order form this loader's
  // pool, so one directory without val files can be split into train and validation pools.
  WindowLoader(std::vector<std::filesystem::path> files, std::int64_t seq_len, std::uint64_t seed, bool shuffle,
               double first_fraction = 0.0, double last_fraction = 1.0, bool doc_ids = false,
               std::int64_t eos_token = -1);
  std::uint64_t num_windows() const { return windows_; }
  std::uint32_t vocab_size() const { return vocab_size_; }
  std::uint64_t num_tokens() const { return windows_ * static_cast<std::uint64_t>(seq_len_); }
  // Fills `out` with the next `batch` windows after `cursor` and advances the cursor (the order
  // of an epoch is a pure function of seed and epoch, so a cursor fully restores the position).
  void next(DataCursor& cursor, std::int64_t batch, Batch& out) const { next(cursor, batch, 0, batch, out); }
  // Data-parallel form: the next `batch` windows are one global batch; `out` gets only its rows
  // [first, first + rows) (one rank's share) and the cursor moves past all of them, so the cursor
  // stays in global terms and N ranks together read exactly what one process would.
  void next(DataCursor& cursor, std::int64_t batch, std::int64_t first, std::int64_t rows, Batch& out) const;

 private:
  std::uint64_t window_at(std::uint64_t epoch, std::uint64_t position) const;
  void fill_window(std::uint64_t window, std::int64_t row, Batch& out) const;

  std::vector<std::unique_ptr<TokenShard>> shards_;
  std::vector<std::filesystem::path> files_;
  std::vector<std::uint64_t> first_window_;  // per shard, global index of its first window
  std::uint64_t base_ = 0, windows_ = 0;
  std::int64_t seq_len_;
  std::uint64_t seed_;
  bool shuffle_, doc_ids_;
  std::int64_t eos_token_;
  std::uint32_t vocab_size_ = 0;
  mutable std::uint64_t cached_epoch_ = ~std::uint64_t{0};
  mutable std::vector<std::uint32_t> order_;
};

}  // namespace sluice::finetune
