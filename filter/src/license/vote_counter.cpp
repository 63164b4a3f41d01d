#include "license/vote_counter.h"

#include <algorithm>
#include <bit>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace sluice::filter::license {

SlicedCounter::SlicedCounter(std::size_t words, std::size_t most)
    : words_(words), slices_(static_cast<std::size_t>(std::bit_width(most))), counter_(slices_ * words, 0) {}

// A count never exceeds `most`, so the carry always ends within the slices.
void SlicedCounter::add(const std::uint64_t* set) {
  for (std::size_t w = 0; w < words_; w += 4) {
#if defined(__AVX2__)
    __m256i carry = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(set + w));
    for (std::size_t s = 0; s < slices_ && !_mm256_testz_si256(carry, carry); ++s) {
      auto* slot = reinterpret_cast<__m256i*>(counter_.data() + s * words_ + w);
      const __m256i slice = _mm256_loadu_si256(slot);
      _mm256_storeu_si256(slot, _mm256_xor_si256(slice, carry));
      carry = _mm256_and_si256(slice, carry);
    }
#else
    for (std::size_t k = w; k < w + 4; ++k) {
      std::uint64_t carry = set[k];
      for (std::size_t s = 0; s < slices_ && carry != 0; ++s) {
        std::uint64_t& slice = counter_[s * words_ + k];
        const std::uint64_t next = slice & carry;
        slice ^= carry;
        carry = next;
      }
    }
#endif
  }
}

void SlicedCounter::add_to(std::vector<std::uint32_t>& votes) const {
  const std::size_t templates = std::min(votes.size(), words_ * 64);
  for (std::size_t s = 0; s < slices_; ++s) {
    const std::uint64_t* row = counter_.data() + s * words_;
    std::size_t t = 0;
#if defined(__AVX2__)
    // Eight templates at a time: their eight bits of this slice, spread over eight lanes.
    const __m256i lane_bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i weight = _mm256_set1_epi32(1 << s);
    for (; t + 8 <= templates; t += 8) {
      const auto byte = static_cast<int>((row[t / 64] >> (t % 64)) & 0xFF);
      if (byte == 0) continue;
      const __m256i hit = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(byte), lane_bits), lane_bits);
      auto* out = reinterpret_cast<__m256i*>(votes.data() + t);
      _mm256_storeu_si256(out, _mm256_add_epi32(_mm256_loadu_si256(out), _mm256_and_si256(hit, weight)));
    }
#endif
    for (; t < templates; ++t) votes[t] += static_cast<std::uint32_t>((row[t / 64] >> (t % 64)) & 1) << s;
  }
}

}  // namespace sluice::filter::license
