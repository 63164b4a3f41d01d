#include "license/license_words.h"

#include <array>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace sluice::filter::license {
namespace {

constexpr std::array<std::string_view, 8> kWords = {"icens", "ICENS", "icenc", "ICENC", "ermission", "ERMISSION", "opyright", "OPYRIGHT"};

bool word_at(std::string_view text, std::size_t at) {
  const auto rest = text.substr(at);
  for (const auto word : kWords) {
    if (rest.starts_with(word)) return true;
  }
  return false;
}

// Every word starts with i, e or o in either case: (byte | 0x20) folds exactly those.
bool may_start_word(char c) {
  const char folded = static_cast<char>(c | 0x20);
  return folded == 'i' || folded == 'e' || folded == 'o';
}

}  // namespace

bool has_license_word(std::string_view text) {
  std::size_t at = 0;
#if defined(__AVX2__)
  // Candidates are the positions whose second and third bytes, case folded, read "ce", "rm" or
  // "py" (of "icen", "ermi", "opyr"): two loads per 32 positions, and only about one position in
  // 300 of source text to compare with the words.
  const __m256i fold = _mm256_set1_epi8(0x20);
  const auto folded = [&](std::size_t offset) {
    return _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + offset)), fold);
  };
  for (; at + 34 <= text.size(); at += 32) {
    const __m256i v1 = folded(at + 1), v2 = folded(at + 2);
    const auto pair = [&](char a, char b) {
      return _mm256_and_si256(_mm256_cmpeq_epi8(v1, _mm256_set1_epi8(a)), _mm256_cmpeq_epi8(v2, _mm256_set1_epi8(b)));
    };
    auto mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(pair('c', 'e'), pair('r', 'm')), pair('p', 'y'))));
    for (; mask != 0; mask &= mask - 1) {
      if (word_at(text, at + static_cast<std::size_t>(__builtin_ctz(mask)))) return true;
    }
  }
#endif
  for (; at < text.size(); ++at) {
    if (may_start_word(text[at]) && word_at(text, at)) return true;
  }
  return false;
}

std::size_t find_identifier_tag(std::string_view text, std::size_t from) {
  std::size_t at = from;
#if defined(__AVX2__)
  // Candidates are the positions that read "SPDX"; only those are compared with the whole tag.
  const auto bytes = [&](std::size_t offset) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + offset)); };
  for (; at + 35 <= text.size(); at += 32) {
    const __m256i s = _mm256_cmpeq_epi8(bytes(at), _mm256_set1_epi8('S')), p = _mm256_cmpeq_epi8(bytes(at + 1), _mm256_set1_epi8('P'));
    const __m256i d = _mm256_cmpeq_epi8(bytes(at + 2), _mm256_set1_epi8('D')), x = _mm256_cmpeq_epi8(bytes(at + 3), _mm256_set1_epi8('X'));
    auto mask = static_cast<unsigned>(_mm256_movemask_epi8(_mm256_and_si256(_mm256_and_si256(s, p), _mm256_and_si256(d, x))));
    for (; mask != 0; mask &= mask - 1) {
      const std::size_t candidate = at + static_cast<std::size_t>(__builtin_ctz(mask));
      if (text.substr(candidate).starts_with(kIdentifierTag)) return candidate;
    }
  }
#endif
  return at >= text.size() ? std::string_view::npos : text.find(kIdentifierTag, at);
}

}  // namespace sluice::filter::license
