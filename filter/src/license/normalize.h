#pragma once
// License text normalisation, shared by the bundle generator (build time) and the matcher (run
// time) so that templates and inputs are reduced the same way. What it removes is what differs
// between copies of one license without changing its meaning: case, punctuation and quotes,
// comment markers and borders, list bullets, copyright lines, the title, `<placeholder>` spans,
// URL schemes and a few British spellings. What remains is a sequence of word hashes.
#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::filter::license {

struct NormalizedText {
  std::vector<std::uint64_t> words;  // one hash per kept word, in order
  std::uint64_t exact_hash = 0;      // hash of the whole word sequence
};

// `license_file` = false keeps every line (for names and short statements): no title, copyright
// or bullet removal. `every_word`, when given, also receives the license_file = false words of
// the same text, from the same pass.
NormalizedText normalize_license_text(std::string_view text, bool license_file = true,
                                      std::vector<std::uint64_t>* every_word = nullptr);

// The hash normalize_license_text gives one word (for phrase tables).
std::uint64_t word_hash(std::string_view lowercase_word);

// A word bigram's 32-bit key, as stored in the bundle.
inline std::uint32_t bigram_key(std::uint64_t a, std::uint64_t b) {
  std::uint64_t x = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL + (a << 7));
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return static_cast<std::uint32_t>(x >> 32);
}

}  // namespace sluice::filter::license
