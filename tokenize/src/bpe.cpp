// The BPE merge loop over one piece, and the byte-string table it looks ranks up in.
#include <algorithm>
#include <queue>

#include "model.h"

namespace sluice::tokenize {

void ByteTable::reserve(std::size_t count) {
  std::size_t capacity = 16;
  while (capacity < count * 2) capacity *= 2;
  if (capacity <= slots_.size()) return;
  std::vector<Entry> old = std::move(slots_);
  slots_.assign(capacity, Entry{});
  mask_ = capacity - 1;
  for (const Entry& e : old) {
    if (e.id == kNoId) continue;
    std::size_t i = static_cast<std::size_t>(e.hash) & mask_;
    while (slots_[i].id != kNoId) i = (i + 1) & mask_;
    slots_[i] = e;
  }
}

void ByteTable::grow() { reserve(std::max<std::size_t>(count_ + 1, slots_.size())); }

const ByteTable::Entry& ByteTable::insert(std::string_view key, std::uint32_t rank, std::uint32_t id) {
  if ((count_ + 1) * 2 > slots_.size()) grow();
  const std::uint64_t h = XXH3_64bits(key.data(), key.size());
  std::size_t i = static_cast<std::size_t>(h) & mask_;
  while (slots_[i].id != kNoId) {
    const Entry& e = slots_[i];
    if (e.hash == h && e.length == key.size() && std::string_view(arena_.data() + e.offset, e.length) == key) return e;
    i = (i + 1) & mask_;
  }
  Entry& e = slots_[i];
  e.hash = h;
  e.offset = static_cast<std::uint32_t>(arena_.size());
  e.length = static_cast<std::uint32_t>(key.size());
  e.rank = rank;
  e.id = id;
  arena_.append(key);
  ++count_;
  return e;
}

namespace {

// Short pieces: tiktoken's scan over a small vector (n is tiny, so O(n^2) is the fast choice).
void bpe_small(const ByteTable& table, std::string_view piece, std::uint32_t max_rank, std::vector<std::uint32_t>& bounds) {
  struct Part {
    std::uint32_t start;
    std::uint32_t rank;
  };
  Part parts[64 + 1];
  const auto n = static_cast<std::uint32_t>(piece.size());
  auto pair_rank = [&](std::uint32_t count, std::uint32_t i) -> std::uint32_t {
    if (i + 2 > count) return kNoRank;  // parts[i + 2] is the end of the pair; parts[count] is the end
    const std::uint32_t r = table.rank(piece.substr(parts[i].start, parts[i + 2].start - parts[i].start));
    return r < max_rank ? r : kNoRank;
  };
  // parts[0..n] where parts[n] marks the end.
  for (std::uint32_t i = 0; i <= n; ++i) parts[i] = {i, kNoRank};
  std::uint32_t count = n;  // number of parts; parts[count] is the end marker
  for (std::uint32_t i = 0; i + 1 < count; ++i) parts[i].rank = pair_rank(count, i);
  while (count > 1) {
    std::uint32_t best = kNoRank;
    std::uint32_t at = 0;
    for (std::uint32_t i = 0; i + 1 < count; ++i) {
      if (parts[i].rank < best) {
        best = parts[i].rank;
        at = i;
      }
    }
    if (best == kNoRank) break;
    // Merge parts at and at+1: drop parts[at + 1].
    for (std::uint32_t i = at + 1; i < count; ++i) parts[i] = parts[i + 1];
    --count;
    parts[at].rank = pair_rank(count, at);
    if (at > 0) parts[at - 1].rank = pair_rank(count, at - 1);
  }
  bounds.clear();
  for (std::uint32_t i = 0; i <= count; ++i) bounds.push_back(parts[i].start);
}

// Long pieces (minified code, base64, long runs): a doubly linked list of parts and a min-heap of
// candidate pairs keyed by (rank, start). Stale heap entries are skipped when popped.
void bpe_large(const ByteTable& table, std::string_view piece, std::uint32_t max_rank, std::vector<std::uint32_t>& bounds) {
  const auto n = static_cast<std::uint32_t>(piece.size());
  std::vector<std::uint32_t> next(n + 1);
  std::vector<std::uint32_t> prev(n + 1);
  std::vector<bool> alive(n + 1, true);
  for (std::uint32_t i = 0; i <= n; ++i) {
    next[i] = i + 1;
    prev[i] = i == 0 ? kNoRank : i - 1;
  }
  struct Candidate {
    std::uint32_t rank;
    std::uint32_t start;
    std::uint32_t end;  // end of the pair: identifies which pair at `start` this was
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : start > o.start; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](std::uint32_t start) {
    const std::uint32_t mid = next[start];
    if (mid >= n) return;
    const std::uint32_t end = next[mid];
    const std::uint32_t r = table.rank(piece.substr(start, end - start));
    if (r < max_rank) heap.push({r, start, end});
  };
  for (std::uint32_t i = 0; i + 1 < n; ++i) push(i);
  while (!heap.empty()) {
    const Candidate c = heap.top();
    heap.pop();
    if (!alive[c.start]) continue;
    const std::uint32_t mid = next[c.start];
    if (mid >= n || next[mid] != c.end) continue;  // stale: a neighbour merged since
    alive[mid] = false;
    next[c.start] = c.end;
    prev[c.end] = c.start;
    push(c.start);
    if (prev[c.start] != kNoRank) push(prev[c.start]);
  }
  bounds.clear();
  for (std::uint32_t i = 0; i <= n; i = next[i]) {
    bounds.push_back(i);
    if (i == n) break;
  }
}

}  // namespace

void bpe_bounds_heap(const ByteTable& table, std::string_view piece, std::uint32_t max_rank, std::vector<std::uint32_t>& bounds) {
  if (piece.empty()) {
    bounds.assign(1, 0);
    return;
  }
  bpe_large(table, piece, max_rank, bounds);
}

void bpe_bounds(const ByteTable& table, std::string_view piece, std::uint32_t max_rank, std::vector<std::uint32_t>& bounds) {
  if (piece.size() <= 64) {
    bpe_small(table, piece, max_rank, bounds);
  } else {
    bpe_large(table, piece, max_rank, bounds);
  }
}

}  // namespace sluice::tokenize
