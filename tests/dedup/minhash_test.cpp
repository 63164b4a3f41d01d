// Units of the near-dedup maths: shingles, signatures, LSH parameters, license ranks.
#include <gtest/gtest.h>

#include "sluice/core/hash.h"
#include "sluice/dedup/dedup.h"
#include "sluice/dedup/minhash.h"

using namespace sluice;
using namespace sluice::dedup;

TEST(Shingles, AreFiveTokenWindowsJoinedBySpaces) {
  std::vector<std::uint64_t> hashes;
  shingle_hashes("a(b, c)  d\n\te.f", 5, hashes);
  ASSERT_EQ(hashes.size(), 2u);
  EXPECT_EQ(hashes[0], xxh3_64("a b c d e"));
  EXPECT_EQ(hashes[1], xxh3_64("b c d e f"));
}

TEST(Shingles, IgnorePunctuationAndWhitespaceButKeepUnderscoresAndUtf8) {
  EXPECT_EQ(shingle_set("int foo_bar(x,y){return x+y;}", 5), shingle_set("int   foo_bar ( x , y ) {\n  return x + y ;\n}", 5));
  std::vector<std::uint64_t> hashes;
  shingle_hashes("größe = café_1", 5, hashes);
  ASSERT_EQ(hashes.size(), 1u);  // fewer tokens than the n-gram: one shingle of all of them
  EXPECT_EQ(hashes[0], xxh3_64("größe café_1"));
}

TEST(Shingles, TextWithoutTokensHasNoSignature) {
  MinHasher hasher(MinHashConfig{});
  std::vector<std::uint64_t> signature;
  EXPECT_FALSE(hasher.signature("  {}();\n\t", signature));
  EXPECT_FALSE(hasher.signature("", signature));
  EXPECT_TRUE(hasher.signature("x", signature));
}

TEST(MinHash, MatchesTheScalarDefinition) {
  MinHashConfig config;
  config.num_perm = 37;  // not a multiple of the vector width
  MinHasher hasher(config);
  const std::string text = "def add(a, b):\n    return a + b\n\nprint(add(1, 2))\n";
  std::vector<std::uint64_t> signature, hashes;
  ASSERT_TRUE(hasher.signature(text, signature));
  ASSERT_EQ(signature.size(), 37u);
  shingle_hashes(text, 5, hashes);
  for (unsigned i = 0; i < config.num_perm; ++i) {
    std::uint64_t best = ~0ULL;
    for (const auto h : hashes) {
      const std::uint64_t x = hasher.a()[i] * h + hasher.b()[i];
      best = std::min<std::uint64_t>(best, x % kMersenne61);
    }
    EXPECT_EQ(signature[i], best) << i;
  }
  for (unsigned i = 0; i < config.num_perm; ++i) {
    EXPECT_GE(hasher.a()[i], 1u);
    EXPECT_LT(hasher.a()[i], kMersenne61);
    EXPECT_LT(hasher.b()[i], kMersenne61);
  }
}

TEST(MinHash, AgreementOfSignaturesEstimatesJaccard) {
  std::string base, edited;
  for (int i = 0; i < 300; ++i) {
    const std::string line = "value_" + std::to_string(i) + " = compute(item_" + std::to_string(i * 7) + ", " + std::to_string(i) + ")\n";
    base += line;
    edited += (i % 5 == 0) ? "changed_" + std::to_string(i) + " = other()\n" : line;
  }
  MinHasher hasher(MinHashConfig{});
  std::vector<std::uint64_t> a, b;
  hasher.signature(base, a);
  hasher.signature(edited, b);
  int same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += a[i] == b[i];
  const double estimate = same / 256.0;
  const double truth = jaccard(shingle_set(base, 5), shingle_set(edited, 5));
  EXPECT_NEAR(estimate, truth, 0.1) << "true " << truth;
  std::vector<std::uint64_t> again;
  hasher.signature(base, again);
  EXPECT_EQ(a, again);
}

TEST(Lsh, OptimumForThePublishedSettings) {
  const LshParams stack = optimal_lsh(0.7, 250);  // The Stack v2: 250 permutations, 0.7 -> 25 x 10
  EXPECT_EQ(stack.bands, 25u);
  EXPECT_EQ(stack.rows, 10u);
  const LshParams ours = optimal_lsh(0.7, 256);
  EXPECT_LE(ours.bands * ours.rows, 256u);
  EXPECT_NEAR(lsh_probability(0.7, ours), 0.5, 0.15);
  EXPECT_LT(lsh_probability(0.3, ours), 0.01);
  EXPECT_GT(lsh_probability(0.9, ours), 0.99);
}

TEST(Rank, LicenseClasses) {
  EXPECT_EQ(license_class("\"MIT\""), 0);
  EXPECT_EQ(license_class("\"Apache-2.0 OR MIT\""), 0);
  EXPECT_EQ(license_class("[\"BSD-3-Clause\", \"MIT\"]"), 0);
  EXPECT_EQ(license_class(""), 1);
  EXPECT_EQ(license_class("null"), 1);
  EXPECT_EQ(license_class("[]"), 1);
  EXPECT_EQ(license_class("\"NOASSERTION\""), 1);
  EXPECT_EQ(license_class("\"GPL-3.0-only\""), 2);
  EXPECT_EQ(license_class("[\"MIT\", \"GPL-2.0\"]"), 2);
  EXPECT_EQ(license_class("\"non_permissive\""), 2);
}

TEST(Normalize, WhitespaceRunsBecomeOneSpace) {
  EXPECT_EQ(normalize_whitespace("  a\t\tb \n c  "), "a b c");
  EXPECT_EQ(normalize_whitespace(""), "");
}
