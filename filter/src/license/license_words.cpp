#include "license/license_words.h"

#include <array>
#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace sluice::filter::license {
namespace {

constexpr std::array<std::string_view, 8> kWords = {"icens", "ICENS", "icenc", "ICENC", "ermission", "ERMISSION", "opyright", "OPYRIGHT"};

bool word_at(std::string_view text, std::size_t at) {
  const auto rest = text.substr(at);
  if (rest.size() < 5) return false;  // the shortest word
  // The second bytes tell the words apart: one compare for most of them, not a whole word.
  for (const auto word : kWords) {
    if (rest[1] == word[1] && rest.starts_with(word)) return true;
  }
  return false;
}

#if defined(__AVX2__)
// The 64-bit mask of two 32-position hit vectors (bit k: position k of `low`, 32 + k of `high`).
// Most steps have no hit: one test for them instead of two masks.
std::uint64_t hit_mask(__m256i low, __m256i high) {
  const __m256i any = _mm256_or_si256(low, high);
  if (_mm256_testz_si256(any, any) != 0) return 0;
  const auto mask = [](__m256i hits) { return static_cast<std::uint32_t>(_mm256_movemask_epi8(hits)); };
  return mask(low) | std::uint64_t{mask(high)} << 32;
}

// The second and third bytes of the words, case folded: "ce" (icen), "rm" (ermi), "py" (opyr).
constexpr std::array<std::array<char, 2>, 3> kPairs = {{{'c', 'e'}, {'r', 'm'}, {'p', 'y'}}};

// Tables for _mm256_shuffle_epi8, which looks a byte up by its low four bits (in each 16-byte
// lane): `kPairFirst` gives back a pair's first byte, `kPairSecond` the byte that must follow it,
// and zero (which no folded byte is) for the other nibbles.
template <std::size_t Index>
constexpr std::array<char, 32> pair_table() {
  std::array<char, 32> table{};
  for (const auto& pair : kPairs) {
    const auto nibble = static_cast<std::size_t>(pair[0] & 0x0F);
    if (table[nibble] != 0) throw "two pairs' first bytes share their low four bits";
    table[nibble] = table[16 + nibble] = pair[Index];
  }
  return table;
}
constexpr auto kPairFirst = pair_table<0>(), kPairSecond = pair_table<1>();

// Bit k: position p + k may start a word, its next two bytes being one of kPairs (case folded).
// Reads the bytes p + 1 .. p + 65. A byte is a pair's first byte when the table gives it back
// (bytes >= 0x80 look up zero), and then the table of second bytes says which byte must follow.
std::uint64_t candidates(const char* p) {
  const auto load = [](const std::array<char, 32>& table) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(table.data())); };
  const __m256i first = load(kPairFirst), second = load(kPairSecond), fold = _mm256_set1_epi8(0x20);
  const auto folded = [&](const char* at) { return _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(at)), fold); };
  const auto hits = [&](const char* at) {
    const __m256i b1 = folded(at + 1), b2 = folded(at + 2);
    return _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_shuffle_epi8(first, b1), b1), _mm256_cmpeq_epi8(_mm256_shuffle_epi8(second, b1), b2));
  };
  return hit_mask(hits(p), hits(p + 32));
}

// Whether a candidate of `mask` (bit k: position at + k) starts a word.
bool any_word_at(std::string_view text, std::size_t at, std::uint64_t mask) {
  for (; mask != 0; mask &= mask - 1) {
    if (word_at(text, at + static_cast<std::size_t>(__builtin_ctzll(mask)))) return true;
  }
  return false;
}
#else
// Every word starts with i, e or o in either case: (byte | 0x20) folds exactly those.
bool may_start_word(char c) {
  const char folded = static_cast<char>(c | 0x20);
  return folded == 'i' || folded == 'e' || folded == 'o';
}
#endif

}  // namespace

bool has_license_word(std::string_view text) {
  std::size_t at = 0;
#if defined(__AVX2__)
  // 64 positions per step; only about one position in 300 of source text is a candidate.
  for (; at + 66 <= text.size(); at += 64) {
    if (any_word_at(text, at, candidates(text.data() + at))) return true;
  }
  if (at < text.size()) {
    // The rest (at most 65 bytes: many texts are one comment line) from a zero-padded copy; the
    // zeros are no candidates, and word_at reads the text itself.
    std::array<char, 96> tail{};
    text.copy(tail.data(), text.size() - at, at);
    return any_word_at(text, at, candidates(tail.data()));
  }
  return false;
#else
  for (; at < text.size(); ++at) {
    if (may_start_word(text[at]) && word_at(text, at)) return true;
  }
  return false;
#endif
}

std::size_t find_identifier_tag(std::string_view text, std::size_t from) {
  std::size_t at = from;
#if defined(__AVX2__)
  // Candidates are the positions that read "S..X": rare enough in source text that the first and
  // fourth bytes are the only ones compared before the whole tag.
  const auto is = [&](std::size_t offset, char c) {
    return _mm256_cmpeq_epi8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + offset)), _mm256_set1_epi8(c));
  };
  for (; at + 67 <= text.size(); at += 64) {
    const auto hits = [&](std::size_t offset) { return _mm256_and_si256(is(offset, 'S'), is(offset + 3, 'X')); };
    for (auto candidates = hit_mask(hits(at), hits(at + 32)); candidates != 0; candidates &= candidates - 1) {
      const std::size_t candidate = at + static_cast<std::size_t>(__builtin_ctzll(candidates));
      if (text.substr(candidate).starts_with(kIdentifierTag)) return candidate;
    }
  }
#endif
  return at >= text.size() ? std::string_view::npos : text.find(kIdentifierTag, at);
}

}  // namespace sluice::filter::license
