#include "license/vote_counter.h"

#include <algorithm>
#include <bit>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace sluice::filter::license {
namespace {

// a + b + c = sum + 2 * carry, bit by bit, over `words` words: sum is written to a, carry to out.
void carry_save(std::uint64_t* a, const std::uint64_t* b, const std::uint64_t* c, std::uint64_t* out, std::size_t words) {
  for (std::size_t w = 0; w < words; ++w) {
    const std::uint64_t u = a[w] ^ b[w];
    out[w] = (a[w] & b[w]) | (u & c[w]);
    a[w] = u ^ c[w];
  }
}

}  // namespace

SlicedCounter::SlicedCounter(std::size_t words, std::size_t most)
    : words_(words),
      slices_(static_cast<std::size_t>(std::bit_width(most))),
      counter_(slices_ * words, 0),
      ones_(words, 0),
      twos_(words, 0),
      pending_twos_(words, 0),
      twos_in_(words, 0),
      fours_(words, 0) {}

// A count never exceeds `most`, so the carry always ends within the slices.
void SlicedCounter::ripple(const std::uint64_t* value, std::size_t slice) {
  for (std::size_t w = 0; w < words_; w += 4) {
#if defined(__AVX2__)
    __m256i carry = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(value + w));
    for (std::size_t s = slice; s < slices_ && !_mm256_testz_si256(carry, carry); ++s) {
      auto* slot = reinterpret_cast<__m256i*>(counter_.data() + s * words_ + w);
      const __m256i current = _mm256_loadu_si256(slot);
      _mm256_storeu_si256(slot, _mm256_xor_si256(current, carry));
      carry = _mm256_and_si256(current, carry);
    }
#else
    for (std::size_t k = w; k < w + 4; ++k) {
      std::uint64_t carry = value[k];
      for (std::size_t s = slice; s < slices_ && carry != 0; ++s) {
        std::uint64_t& current = counter_[s * words_ + k];
        const std::uint64_t next = current & carry;
        current ^= carry;
        carry = next;
      }
    }
#endif
  }
}

void SlicedCounter::add(const std::uint64_t* set) {
  if (pending_ == nullptr) {
    pending_ = set;
    return;
  }
  // ones + two sets = ones + 2 * twos_in
  std::vector<std::uint64_t>& twos_in = has_pending_twos_ ? twos_in_ : pending_twos_;
  carry_save(ones_.data(), pending_, set, twos_in.data(), words_);
  pending_ = nullptr;
  if (!has_pending_twos_) {
    has_pending_twos_ = true;
    return;
  }
  // twos + two twos = twos + 2 * fours, and the fours go into the slices.
  std::vector<std::uint64_t>& fours = fours_;
  carry_save(twos_.data(), pending_twos_.data(), twos_in.data(), fours.data(), words_);
  has_pending_twos_ = false;
  ripple(fours.data(), 2);
}

void SlicedCounter::add_to(std::vector<std::uint32_t>& votes) {
  // What the adders still hold goes into the slices.
  if (pending_ != nullptr) ripple(pending_, 0);
  if (has_pending_twos_) ripple(pending_twos_.data(), 1);
  ripple(ones_.data(), 0);
  ripple(twos_.data(), 1);
  pending_ = nullptr;
  has_pending_twos_ = false;
  std::fill(ones_.begin(), ones_.end(), 0);
  std::fill(twos_.begin(), twos_.end(), 0);
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
  std::fill(counter_.begin(), counter_.end(), 0);
}

}  // namespace sluice::filter::license
