#include "sluice/dedup/minhash.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "sluice/core/hash.h"

// Inlined here: a shingle is ~30 bytes, where the call costs as much as the hash.
#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace sluice::dedup {
namespace {

struct TokenTable {
  bool token[256];
  constexpr TokenTable() : token() {
    for (int c = 0; c < 256; ++c) {
      token[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
    }
  }
};
constexpr TokenTable kTokens;

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [low, p) by rejection from the low 61 bits.
std::uint64_t draw(std::uint64_t& state, std::uint64_t low) {
  for (;;) {
    const std::uint64_t v = splitmix64(state) & kMersenne61;
    if (v >= low && v < kMersenne61) return v;
  }
}

inline std::uint64_t permute(std::uint64_t a, std::uint64_t b, std::uint64_t h) {
  const std::uint64_t x = a * h + b;  // wraps mod 2^64, as numpy's uint64 does
  std::uint64_t t = (x & kMersenne61) + (x >> 61);
  if (t >= kMersenne61) t -= kMersenne61;
  return t;
}

}  // namespace

void shingle_hashes(std::string_view text, unsigned ngram, std::vector<std::uint64_t>& out) {
  out.clear();
  // The tokens joined by single spaces, once per document; a shingle is then a slice of it from
  // its first token's start to its last token's end, hashed in place without copying.
  thread_local std::string joined;
  thread_local std::vector<std::uint32_t> starts;  // token starts in `joined`, plus one past the end
  joined.clear();
  starts.clear();
  joined.reserve(text.size() + 1);
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t size = text.size();
  std::size_t i = 0;
  while (i < size) {
    while (i < size && !kTokens.token[data[i]]) ++i;
    const std::size_t begin = i;
    while (i < size && kTokens.token[data[i]]) ++i;
    if (i > begin) {
      starts.push_back(static_cast<std::uint32_t>(joined.size()));
      joined.append(text.data() + begin, i - begin);
      joined.push_back(' ');
    }
  }
  const std::size_t tokens = starts.size();
  if (tokens == 0) return;
  starts.push_back(static_cast<std::uint32_t>(joined.size()));
  const std::size_t n = std::min<std::size_t>(std::max<std::size_t>(1, ngram), tokens);
  const std::size_t windows = tokens - n + 1;
  out.resize(windows);
  const char* base = joined.data();
  for (std::size_t w = 0; w < windows; ++w) {
    // Up to the space after the window's last token, without that space.
    const std::size_t length = starts[w + n] - 1 - starts[w];
    out[w] = XXH3_64bits(base + starts[w], length);  // = xxh3_64(), seed 0
  }
}

std::vector<std::uint64_t> shingle_set(std::string_view text, unsigned ngram) {
  std::vector<std::uint64_t> hashes;
  shingle_hashes(text, ngram, hashes);
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

double jaccard(const std::vector<std::uint64_t>& a, const std::vector<std::uint64_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  std::size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) ++i;
    else if (b[j] < a[i]) ++j;
    else { ++common; ++i; ++j; }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

MinHasher::MinHasher(const MinHashConfig& config) : config_(config) {
  std::uint64_t state = config.seed;
  // Padded to a multiple of 16 so the vector kernel needs no tail; the padding is never read out.
  const std::size_t padded = (config.num_perm + 15) / 16 * 16;
  a_.assign(padded, 1);
  b_.assign(padded, 0);
  for (unsigned i = 0; i < config.num_perm; ++i) {
    a_[i] = draw(state, 1);
    b_[i] = draw(state, 0);
  }
}

void MinHasher::signature_of_hashes(const std::uint64_t* hashes, std::size_t count, std::uint64_t* signature) const {
  const std::size_t perms = config_.num_perm;
  const std::size_t padded = a_.size();
#if defined(__AVX2__)
  // 16 permutations at a time stay in registers while every shingle hash streams past them.
  // AVX2 has no 64-bit multiply: a*h mod 2^64 = lo(a)lo(h) + ((hi(a)lo(h) + lo(a)hi(h)) << 32).
  const __m256i p = _mm256_set1_epi64x(static_cast<long long>(kMersenne61));
  alignas(32) std::uint64_t block[16];
  for (std::size_t base = 0; base < padded; base += 16) {
    __m256i va[4], vahi[4], vb[4], acc[4];
    for (int k = 0; k < 4; ++k) {
      va[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a_.data() + base + 4 * k));
      vahi[k] = _mm256_srli_epi64(va[k], 32);
      vb[k] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b_.data() + base + 4 * k));
      acc[k] = _mm256_set1_epi64x(std::numeric_limits<long long>::max());
    }
    for (std::size_t s = 0; s < count; ++s) {
      const __m256i h = _mm256_set1_epi64x(static_cast<long long>(hashes[s]));
      const __m256i hhi = _mm256_srli_epi64(h, 32);
      for (int k = 0; k < 4; ++k) {
        const __m256i lo = _mm256_mul_epu32(va[k], h);
        const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(vahi[k], h), _mm256_mul_epu32(va[k], hhi));
        const __m256i x = _mm256_add_epi64(_mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32)), vb[k]);
        __m256i t = _mm256_add_epi64(_mm256_and_si256(x, p), _mm256_srli_epi64(x, 61));
        const __m256i reduced = _mm256_sub_epi64(t, p);
        // t - p is negative (sign bit set) exactly when t < p: keep t then.
        t = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(reduced), _mm256_castsi256_pd(t),
                                                 _mm256_castsi256_pd(reduced)));
        // Values are below 2^61, so the signed compare orders them correctly.
        acc[k] = _mm256_castpd_si256(_mm256_blendv_pd(_mm256_castsi256_pd(acc[k]), _mm256_castsi256_pd(t),
                                                      _mm256_castsi256_pd(_mm256_cmpgt_epi64(acc[k], t))));
      }
    }
    for (int k = 0; k < 4; ++k) _mm256_store_si256(reinterpret_cast<__m256i*>(block + 4 * k), acc[k]);
    const std::size_t take = std::min<std::size_t>(16, perms > base ? perms - base : 0);
    std::memcpy(signature + base, block, take * sizeof(std::uint64_t));
  }
#else
  (void)padded;
  for (std::size_t i = 0; i < perms; ++i) signature[i] = std::numeric_limits<std::int64_t>::max();
  for (std::size_t s = 0; s < count; ++s) {
    for (std::size_t i = 0; i < perms; ++i) signature[i] = std::min(signature[i], permute(a_[i], b_[i], hashes[s]));
  }
#endif
  (void)&permute;
}

bool MinHasher::signature(std::string_view text, std::vector<std::uint64_t>& signature) {
  shingle_hashes(text, config_.ngram, hashes_);
  signature.resize(a_.size());
  if (hashes_.empty()) {
    std::fill(signature.begin(), signature.end(), 0);
    signature.resize(config_.num_perm);
    return false;
  }
  signature_of_hashes(hashes_.data(), hashes_.size(), signature.data());
  signature.resize(config_.num_perm);
  return true;
}

void band_keys(const std::vector<std::uint64_t>& signature, const LshParams& lsh, std::uint64_t* keys) {
  for (unsigned band = 0; band < lsh.bands; ++band) {
    const auto* start = signature.data() + static_cast<std::size_t>(band) * lsh.rows;
    keys[band] = xxh3_64(std::string_view(reinterpret_cast<const char*>(start), lsh.rows * sizeof(std::uint64_t)));
  }
}

std::string normalize_whitespace(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace sluice::dedup
