#pragma once
// Counts, per template, how many of a text's bigrams it holds when the bigrams come as bitsets
// over the templates (the bundle's dense keys). The counts are bit-sliced: slice s holds bit s of
// every template's count, so adding a set ripples a carry through a few slices of 256-bit
// vectors instead of incrementing hundreds of counters.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::filter::license {

class SlicedCounter {
 public:
  // `words`: the sets' size in 64-bit words (a multiple of 4); `most`: the most sets to be added.
  SlicedCounter(std::size_t words, std::size_t most);
  void add(const std::uint64_t* set);
  // votes[t] += template t's count, for t < votes.size().
  void add_to(std::vector<std::uint32_t>& votes) const;

 private:
  std::size_t words_, slices_;
  std::vector<std::uint64_t> counter_;  // slices_ rows of words_ words
};

}  // namespace sluice::filter::license
