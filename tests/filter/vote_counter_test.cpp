// The bit-sliced vote counter must give every template exactly the count a plain loop gives,
// whatever the number of sets (carries through many slices) and the template count (a last
// partial vector).
#include <gtest/gtest.h>

#include <random>

#include "license/vote_counter.h"

using sluice::filter::license::SlicedCounter;

namespace {

void expect_plain_counts(std::size_t templates, std::size_t sets, double density, unsigned seed) {
  const std::size_t words = (templates + 255) / 256 * 4;
  std::mt19937_64 random(seed);
  std::bernoulli_distribution bit(density);
  std::vector<std::vector<std::uint64_t>> all(sets, std::vector<std::uint64_t>(words, 0));
  std::vector<std::uint32_t> expected(templates, 0);
  for (auto& set : all) {
    for (std::size_t t = 0; t < templates; ++t) {
      if (!bit(random)) continue;
      set[t / 64] |= std::uint64_t{1} << (t % 64);
      ++expected[t];
    }
  }
  SlicedCounter counter(words, sets);
  for (const auto& set : all) counter.add(set.data());
  std::vector<std::uint32_t> votes(templates, 7);  // added to, not overwritten
  counter.add_to(votes);
  for (std::size_t t = 0; t < templates; ++t) ASSERT_EQ(votes[t], expected[t] + 7) << "template " << t;
}

}  // namespace

TEST(VoteCounter, CountsEqualPlainCountingForEveryTemplate) {
  expect_plain_counts(682, 150, 0.5, 1);
  expect_plain_counts(682, 1, 0.9, 2);
  expect_plain_counts(256, 300, 0.95, 3);   // counts near the top of their slices
  expect_plain_counts(1000, 1023, 1.0, 4);  // every template in every set: the largest count
  expect_plain_counts(5, 40, 0.3, 5);
}
