#pragma once
// Where in a text each candidate template lies: per candidate, the region of unclaimed positions
// with the most of the template's bigrams (the maximum-sum run, +1 for a position whose bigram is
// the template's, -1 otherwise), cut to one template-long window when two copies form one run,
// and the region's Dice score against the template.
//
// All candidates are searched in one pass over the text: each position adds its bigram's row of
// candidate bits to every candidate's run at once (a few vector operations for 48 candidates),
// and candidates that end up with the same region (the BSD variants over one BSD header) share
// the count of its distinct bigrams.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice::filter::license {

// A text's bigrams: `ids[p]` numbers the distinct bigrams 0..distinct-1 (in order of first
// occurrence, at `first[id]`), so that counting the distinct bigrams of a region is a pass over a
// counter array instead of a sort, and each distinct bigram is looked up once.
struct TextBigrams {
  std::vector<std::uint32_t> ids;
  std::vector<std::size_t> first;
  std::size_t distinct() const { return first.size(); }
};

struct Region {
  std::size_t begin = 0, end = 0;  // bigram positions [begin, end)
  std::size_t matched = 0;         // distinct bigrams of the region found in the template
  double dice = 0;
  double foreign = 0;              // fraction of the region's distinct bigrams not in the template
  // How well the template explains the region: Dice, less what the template cannot explain
  // (a truncated Apache-2.0 is closer to Apache-2.0 than to Pixar's shorter Apache variant).
  double prior = 0;
  double rank() const { return dice - 2 * foreign + prior; }
};

// A candidate template: its number in the bundle, its size in words and in distinct bigrams.
struct CandidateTemplate {
  std::uint32_t index = 0, words = 0, bigrams = 0;
};

class RegionSearch {
 public:
  RegionSearch(const TextBigrams& text, std::vector<CandidateTemplate> candidates);
  // Distinct bigram `id` of the text is one of candidate `c`'s bigrams.
  void set_member(std::size_t c, std::uint32_t id) { columns_[id * lanes_ + c] = 1; }
  // Distinct bigram `id` of the text is in the templates of `set` (a bitset over all templates).
  void set_members(std::uint32_t id, const std::uint64_t* set);
  // regions[c] for every c in `which`: its best region among positions not `claimed`. Runs are
  // summed in 32-bit lanes, which a text of fewer than two billion words cannot overflow.
  void find(const std::vector<std::uint8_t>& claimed, const std::vector<std::size_t>& which, std::vector<Region>& regions);

 private:
  struct Pending {
    std::size_t begin, end, candidate;
  };
  void lane_run(std::size_t c, const std::vector<std::uint8_t>& claimed);
  void vector_run(std::size_t c, const std::vector<std::uint8_t>& claimed);
  Pending one_copy(std::size_t c, std::size_t begin, std::size_t end);
  void score_group(const Pending* first, const Pending* last, std::vector<Region>& regions);
  bool in_template(std::size_t c, std::size_t p) const { return columns_[text_.ids[p] * lanes_ + c] != 0; }

  const TextBigrams& text_;
  std::vector<CandidateTemplate> candidates_;
  std::size_t distinct_, lanes_;  // lanes_: candidates rounded up to whole vectors
  std::vector<std::uint8_t> columns_;  // columns_[id * lanes_ + c]: per bigram, its candidates
  // The longest run of every lane searched: its sum and [begin, end).
  std::vector<std::int32_t> best_, begin_, end_;
  // Where lane c's template is in a bitset over all templates: 32-bit word and bit; and 1 for a
  // lane that holds a candidate, 0 for padding.
  std::vector<std::int32_t> set_word_, set_bit_, lane_used_;
  std::vector<std::size_t> groups_;    // the first lanes of the vectors searched now
  std::vector<std::size_t> alone_;     // lanes searched one by one now
  std::vector<std::size_t> searched_;  // per vector of lanes, how many of its candidates are searched now
  std::vector<std::uint32_t> counts_;  // zero between uses
  std::vector<std::uint32_t> region_ids_;
  std::vector<std::uint8_t> partial_;
  std::vector<std::uint32_t> matched_;
  std::vector<Pending> pending_;
};

}  // namespace sluice::filter::license
