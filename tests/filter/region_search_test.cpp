// The region search runs every candidate template over the text at once and shares the counting
// of equal regions; each candidate must still get exactly the region, matched count and Dice
// score that a plain search of that candidate alone gives, with claimed positions, runs that
// hold two copies of a template, and candidate counts that leave partial vectors.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "license/region_search.h"

using sluice::filter::license::CandidateTemplate;
using sluice::filter::license::Region;
using sluice::filter::license::RegionSearch;
using sluice::filter::license::TextBigrams;

namespace {

using Members = std::vector<std::vector<bool>>;  // [candidate][distinct bigram]

// One candidate searched alone: the maximum-sum run, cut to a template-long window when much
// longer than the template, scored over its distinct bigrams.
Region plain_region(const TextBigrams& text, const std::vector<bool>& member, const std::vector<std::uint8_t>& claimed,
                    const CandidateTemplate& shape) {
  const auto& ids = text.ids;
  long best = 0, current = 0;
  std::size_t begin = 0, end = 0, start = 0;
  for (std::size_t p = 0; p < ids.size(); ++p) {
    current = claimed[p] ? 0 : current + (member[ids[p]] ? 1 : -1);
    if (current <= 0) {
      current = 0;
      start = p + 1;
    } else if (current > best) {
      best = current;
      begin = start;
      end = p + 1;
    }
  }
  if (best <= 0) return Region{};
  const std::size_t length = shape.words;
  if (end - begin > length + length / 3 && length > 1) {
    const std::size_t width = length - 1;
    long best_score = -1;
    std::size_t best_start = begin;
    for (std::size_t s = begin; s + width <= end; ++s) {
      std::set<std::uint32_t> inside;
      long outside = 0;
      for (std::size_t p = s; p < s + width; ++p) {
        if (member[ids[p]]) inside.insert(ids[p]);
        else ++outside;
      }
      const long score = static_cast<long>(inside.size()) * 4096 - outside;
      if (score >= best_score) {
        best_score = score;
        best_start = s;
      }
    }
    begin = best_start;
    end = std::min(end, best_start + width);
  }
  const std::set<std::uint32_t> window(ids.begin() + static_cast<std::ptrdiff_t>(begin), ids.begin() + static_cast<std::ptrdiff_t>(end));
  std::size_t matched = 0;
  for (const auto id : window) matched += member[id] ? 1 : 0;
  Region region{begin, end, matched};
  region.dice = 2.0 * static_cast<double>(matched) / (static_cast<double>(window.size()) + shape.bigrams);
  region.foreign = 1.0 - static_cast<double>(matched) / static_cast<double>(window.size());
  return region;
}

void expect_plain_regions(std::size_t positions, std::size_t alphabet, std::size_t candidates, double density, unsigned seed) {
  std::mt19937_64 random(seed);
  // The text: bigram keys from a small alphabet, numbered in order of first occurrence.
  TextBigrams text;
  std::vector<int> id_of(alphabet, -1);
  for (std::size_t p = 0; p < positions; ++p) {
    const auto key = static_cast<std::size_t>(random() % alphabet);
    if (id_of[key] < 0) {
      id_of[key] = static_cast<int>(text.first.size());
      text.first.push_back(p);
    }
    text.ids.push_back(static_cast<std::uint32_t>(id_of[key]));
  }
  // Candidates over 700 templates, half of them given by a bitset (a dense key), half bit by bit.
  std::vector<CandidateTemplate> shapes;
  std::vector<std::uint32_t> indexes(700);
  for (std::uint32_t t = 0; t < indexes.size(); ++t) indexes[t] = t;
  std::shuffle(indexes.begin(), indexes.end(), random);
  for (std::size_t c = 0; c < candidates; ++c) {
    const auto words = static_cast<std::uint32_t>(2 + random() % (positions / 2 + 2));  // short ones make runs of two copies
    shapes.push_back({indexes[c], words, static_cast<std::uint32_t>(1 + random() % (words + 1))});
  }
  std::bernoulli_distribution in(density);
  Members members(candidates, std::vector<bool>(text.distinct(), false));
  RegionSearch search(text, shapes);
  for (std::uint32_t id = 0; id < text.distinct(); ++id) {
    std::vector<std::uint64_t> set(12, 0);
    for (std::size_t c = 0; c < candidates; ++c) {
      if (!in(random)) continue;
      members[c][id] = true;
      set[shapes[c].index / 64] |= std::uint64_t{1} << (shapes[c].index % 64);
      if (id % 2 == 1) search.set_member(c, id);
    }
    // Templates that are not candidates are in the set too, and must not count.
    for (int k = 0; k < 40; ++k) set[random() % 12] |= std::uint64_t{1} << (random() % 64);
    for (std::size_t c = 0; c < candidates; ++c) {
      if (!members[c][id]) set[shapes[c].index / 64] &= ~(std::uint64_t{1} << (shapes[c].index % 64));
    }
    if (id % 2 == 0) search.set_members(id, set.data());
  }
  std::vector<std::uint8_t> claimed(positions, 0);
  for (int round = 0; round < 3; ++round) {
    std::vector<std::size_t> which;
    for (std::size_t c = 0; c < candidates; ++c) {
      if (random() % 4 != 0) which.push_back(c);
    }
    std::vector<Region> regions(candidates);
    search.find(claimed, which, regions);
    for (const auto c : which) {
      const Region expected = plain_region(text, members[c], claimed, shapes[c]);
      const Region& got = regions[c];
      ASSERT_EQ(got.begin, expected.begin) << "candidate " << c << " round " << round;
      ASSERT_EQ(got.end, expected.end) << "candidate " << c << " round " << round;
      ASSERT_EQ(got.matched, expected.matched) << "candidate " << c << " round " << round;
      ASSERT_EQ(got.dice, expected.dice) << "candidate " << c << " round " << round;
      ASSERT_EQ(got.foreign, expected.foreign) << "candidate " << c << " round " << round;
    }
    // The next round searches around a claimed stretch, as after a match.
    const std::size_t from = random() % positions, to = std::min(positions, from + positions / 5);
    std::fill(claimed.begin() + static_cast<std::ptrdiff_t>(from), claimed.begin() + static_cast<std::ptrdiff_t>(to), 1);
  }
}

}  // namespace

TEST(RegionSearch, EveryCandidateGetsTheRegionAPlainSearchGives) {
  expect_plain_regions(300, 120, 48, 0.6, 1);  // the matcher's most candidates
  expect_plain_regions(300, 120, 1, 0.8, 2);   // one candidate: a mostly empty vector
  expect_plain_regions(500, 40, 17, 0.5, 3);   // few distinct bigrams, long runs of two copies
  expect_plain_regions(40, 400, 33, 0.3, 4);   // every bigram distinct
  expect_plain_regions(2000, 900, 9, 0.9, 5);  // a license file: long runs, many rounds of claims
}

TEST(RegionSearch, ATextWithNoBigramOfATemplateHasNoRegion) {
  TextBigrams text{{0, 1, 0, 1}, {0, 1}};
  RegionSearch search(text, {{3, 10, 9}, {4, 10, 9}});
  search.set_member(1, 0);
  std::vector<Region> regions(2);
  search.find(std::vector<std::uint8_t>(4, 0), {0, 1}, regions);
  EXPECT_EQ(regions[0].end, 0u);
  EXPECT_EQ(regions[0].dice, 0.0);
  EXPECT_EQ(regions[1].begin, 0u);
  EXPECT_EQ(regions[1].end, 1u);  // +1 -1 +1 -1: the first position is as long as any run
  EXPECT_EQ(regions[1].matched, 1u);
}
