#pragma once
// Counts, per template, how many of a text's bigrams it holds when the bigrams come as bitsets
// over the templates (the bundle's dense keys). The counts are bit-sliced: slice s holds bit s of
// every template's count. Sets are first summed in carry-save adders (Harley-Seal: a one-bit and
// a two-bit accumulator, three adders per four sets), and only the fours ripple through the
// slices, a few 256-bit vector operations per 256 templates.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::filter::license {

class SlicedCounter {
 public:
  // `words`: the sets' size in 64-bit words (a multiple of 4); `most`: the most sets to be added.
  SlicedCounter(std::size_t words, std::size_t most);
  void add(const std::uint64_t* set);  // `set` must stay valid until add_to()
  // votes[t] += template t's count, for t < votes.size().
  void add_to(std::vector<std::uint32_t>& votes);

 private:
  void ripple(const std::uint64_t* value, std::size_t slice);  // counter += value << slice

  std::size_t words_, slices_;
  std::vector<std::uint64_t> counter_;  // slices_ rows of words_ words
  std::vector<std::uint64_t> ones_, twos_, pending_twos_;  // weights 1, 2, 2 (the latter awaiting a pair)
  std::vector<std::uint64_t> twos_in_, fours_;             // scratch
  const std::uint64_t* pending_ = nullptr;  // a set waiting for its pair
  bool has_pending_twos_ = false;
};

}  // namespace sluice::filter::license
