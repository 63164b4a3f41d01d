#pragma once
// The tables behind a Tokenizer, shared by the loaders, the encoder and the trainer.
#include <xxhash.h>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/tokenize/pretokenizer.h"
#include "sluice/tokenize/tokenizer.h"

namespace sluice::tokenize {

inline constexpr std::uint32_t kNoRank = std::numeric_limits<std::uint32_t>::max();
inline constexpr std::uint32_t kNoId = std::numeric_limits<std::uint32_t>::max();

// Byte string -> (rank, id), open addressing over one arena of key bytes. Built once, read by
// every thread.
class ByteTable {
 public:
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
    std::uint32_t rank = kNoRank;
    std::uint32_t id = kNoId;
  };

  void reserve(std::size_t count);
  // Inserts, or keeps the entry already there (first writer wins); returns the entry.
  const Entry& insert(std::string_view key, std::uint32_t rank, std::uint32_t id);
  const Entry* find(std::string_view key) const {
    if (slots_.empty()) return nullptr;
    const std::uint64_t h = XXH3_64bits(key.data(), key.size());
    std::size_t i = static_cast<std::size_t>(h) & mask_;
    while (true) {
      const Entry& e = slots_[i];
      if (e.id == kNoId) return nullptr;
      if (e.hash == h && e.length == key.size() && std::string_view(arena_.data() + e.offset, e.length) == key) return &e;
      i = (i + 1) & mask_;
    }
  }
  std::uint32_t rank(std::string_view key) const {
    const Entry* e = find(key);
    return e ? e->rank : kNoRank;
  }
  std::size_t size() const { return count_; }

 private:
  void grow();
  std::vector<Entry> slots_;
  std::string arena_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

struct TokenizerModel {
  PreTokenizer pre_tokenizer{PatternKind::kGpt2};
  std::vector<std::string> tokens;          // id -> bytes ("" for an id with no token)
  std::vector<std::uint32_t> ranks;         // id -> rank (kNoRank: never made by a merge)
  std::vector<bool> is_special;             // id -> special token
  ByteTable table;                          // ordinary token bytes -> rank, id
  std::uint32_t byte_ids[256];
  bool ignore_merges = true;                // a piece that is a whole token is that token
  std::vector<SpecialToken> specials;       // longest text first
  std::string hash;

  // Fills table/byte_ids/hash from tokens + ranks + specials; Error when a byte has no token.
  void finalize(const std::string& name_for_errors);
  // The two tokens whose merge makes token `id` (BPE of its bytes with the ranks below its own).
  std::pair<std::uint32_t, std::uint32_t> merge_of(std::uint32_t id) const;
};

// BPE over one piece: fills `bounds` with the start offsets of the final parts plus piece.size().
// Pairs whose rank is >= max_rank never merge. Quadratic-free: pieces longer than a few dozen
// bytes go through a heap (O(n log n)).
void bpe_bounds(const ByteTable& table, std::string_view piece, std::uint32_t max_rank, std::vector<std::uint32_t>& bounds);
// The heap path alone, for tests that compare it with the scan on short pieces.
void bpe_bounds_heap(const ByteTable& table, std::string_view piece, std::uint32_t max_rank, std::vector<std::uint32_t>& bounds);

}  // namespace sluice::tokenize
