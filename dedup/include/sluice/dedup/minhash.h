#pragma once
// MinHash signatures of code and the LSH banding that turns them into candidate pairs.
//
// Shingles follow BigCode's code settings: tokens are the maximal runs of [A-Za-z0-9_] (bytes
// >= 0x80 count as token bytes, so UTF-8 identifiers stay whole), a shingle is `ngram` consecutive
// tokens joined by one space, hashed with XXH3-64. A text with fewer tokens than `ngram` is one
// shingle of all its tokens; a text without tokens has no signature. Permutation i maps a shingle
// hash h to ((a_i * h + b_i) mod 2^64) mod (2^61 - 1), as datatrove's 64-bit MinHash computes it
// with numpy uint64 arithmetic; a_i in [1, p) and b_i in [0, p) come from splitmix64(seed) so any
// language can rebuild them (bench/dedup/minhash_reference.py does).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::dedup {

inline constexpr std::uint64_t kMersenne61 = (std::uint64_t{1} << 61) - 1;

struct MinHashConfig {
  unsigned num_perm = 256;
  unsigned ngram = 5;
  std::uint64_t seed = 1;
};

struct LshParams {
  unsigned bands = 25;
  unsigned rows = 10;
};

// The bands x rows (bands * rows <= num_perm) that minimise the false-positive area below
// `threshold` plus the false-negative area above it, each weighted 0.5, of the S-curve
// P(s) = 1 - (1 - s^rows)^bands: datasketch's optimal_param, which BigCode and text-dedup use.
LshParams optimal_lsh(double threshold, unsigned num_perm, double false_positive_weight = 0.5,
                      double false_negative_weight = 0.5);
// The false-negative weight used with --verify, where false positives are checked and split off.
inline constexpr double kVerifyFalseNegativeWeight = 0.9;

// Probability that two documents of true Jaccard similarity `s` share at least one band.
double lsh_probability(double s, const LshParams& lsh);

// The shingle hashes of `text` (unsorted, duplicates included). Exposed for --verify and tests.
void shingle_hashes(std::string_view text, unsigned ngram, std::vector<std::uint64_t>& out);
// Sorted unique shingle hashes: the set whose Jaccard similarity MinHash estimates.
std::vector<std::uint64_t> shingle_set(std::string_view text, unsigned ngram);
double jaccard(const std::vector<std::uint64_t>& sorted_a, const std::vector<std::uint64_t>& sorted_b);

class MinHasher {
 public:
  explicit MinHasher(const MinHashConfig& config);
  const MinHashConfig& config() const { return config_; }
  const std::vector<std::uint64_t>& a() const { return a_; }
  const std::vector<std::uint64_t>& b() const { return b_; }

  // Fills `signature` (num_perm values) and returns false when the text has no token.
  bool signature(std::string_view text, std::vector<std::uint64_t>& signature);
  // The same from precomputed shingle hashes.
  void signature_of_hashes(const std::uint64_t* hashes, std::size_t count, std::uint64_t* signature) const;

 private:
  MinHashConfig config_;
  std::vector<std::uint64_t> a_, b_;
  std::vector<std::uint64_t> hashes_;  // scratch, reused between documents
};

// One 64-bit key per band: XXH3-64 of the band's `rows` signature values (little-endian).
void band_keys(const std::vector<std::uint64_t>& signature, const LshParams& lsh, std::uint64_t* keys);

// Text with every run of whitespace turned into one space and the ends trimmed (--normalize).
std::string normalize_whitespace(std::string_view text);

}  // namespace sluice::dedup
