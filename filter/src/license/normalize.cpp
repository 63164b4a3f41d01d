#include "license/normalize.h"

#include <array>
#include <string>

// Inlined: one hash per word of every license header read.
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sluice::filter::license {
namespace {

// Decodes one UTF-8 code point at text[i]; returns its length (1 for invalid bytes).
std::size_t decode(std::string_view text, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t length = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
  if (length == 1 || i + length > text.size()) {
    cp = 0xFFFD;
    return 1;
  }
  char32_t value = b0 & (0xFF >> (length + 1));
  for (std::size_t k = 1; k < length; ++k) value = (value << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
  cp = value;
  return length;
}

// Word characters: ASCII letters and digits, and non-ASCII letters. Latin-1 punctuation,
// General Punctuation (curly quotes, dashes, bullets), box drawing and symbols separate words.
bool is_word_char(char32_t cp) {
  if (cp < 0x80) return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9');
  if (cp <= 0xBF) return false;
  if (cp == 0xD7 || cp == 0xF7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp == 0xFEFF || cp == 0xFFFD) return false;
  return true;
}

struct Word {
  std::string_view text;  // lowercased, in the line's character buffer
  char after = 0;         // the ASCII character right after the word (for bullets such as "1." "a)")
  bool first = false;
};

std::string_view canonical(std::string_view word) {
  // Spelling variants that licensee also folds; "https" and "http" are one scheme.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kVariants{{
      {"licence", "license"}, {"licences", "licenses"}, {"licenced", "licensed"},
      {"sublicence", "sublicense"}, {"https", "http"}, {"organisation", "organization"},
      {"authorised", "authorized"}, {"recognised", "recognized"}, {"behaviour", "behavior"},
      {"favour", "favor"},
  }};
  for (const auto& [from, to] : kVariants) {
    if (word == from) return to;
  }
  return word;
}

bool is_roman(std::string_view w) {
  if (w.empty() || w.size() > 4) return false;
  for (char c : w) {
    if (c != 'i' && c != 'v' && c != 'x') return false;
  }
  return true;
}

bool is_number(std::string_view w) {
  if (w.empty() || w.size() > 3) return false;
  for (char c : w) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// ASCII bytes: the character a word character becomes (lowercase letters, digits); 0 for a
// separator.
constexpr std::array<char, 128> kAsciiWord = [] {
  std::array<char, 128> table{};
  for (char c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = c;
  for (char c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = c;
  for (char c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = static_cast<char>(c - 'A' + 'a');
  return table;
}();

// Splits one line into words, skipping `<placeholder>` spans. The words' lowercased characters go
// to `chars`, sized to the line's length first: no word is longer lowercased than in the line,
// so the buffer never moves and the words can view it.
void split_line(std::string_view line, std::string& chars, std::vector<Word>& words) {
  words.clear();
  if (chars.size() < line.size() + 1) chars.resize(line.size() + 1);
  char* out = chars.data();
  std::size_t size = 0, word_start = 0;
  auto flush = [&](char after) {
    if (size == word_start) return;
    words.push_back({std::string_view(out + word_start, size - word_start), after, words.empty()});
    word_start = size;
  };
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {  // most of every text: one table lookup
      if (const char lowered = kAsciiWord[byte]; lowered != 0) {
        out[size++] = lowered;
        ++i;
        continue;
      }
      if (c == '<') {
        const auto close = line.find('>', i + 1);
        if (close != std::string_view::npos && close - i <= 60) {
          flush(' ');
          i = close + 1;
          continue;
        }
      }
      flush(c);
      ++i;
      continue;
    }
    char32_t cp;
    const std::size_t n = decode(line, i, cp);
    if (cp == 0xA9) {  // the copyright sign is the word "c" of "(c)"
      flush(' ');
      out[size++] = 'c';
      flush(' ');
    } else if (is_word_char(cp)) {
      line.copy(out + size, n, i);
      size += n;
    } else {
      flush(' ');
    }
    i += n;
  }
  flush(' ');
}

bool is_copyright_line(const std::vector<Word>& words) {
  if (words.empty()) return false;
  const auto& w = words[0].text;
  return w == "copyright" || w == "c" || (w == "portions" && words.size() > 1 && words[1].text == "copyright");
}

bool mentions_license(const std::vector<Word>& words) {
  for (const auto& w : words) {
    if (w.text == "license" || w.text == "licence" || w.text == "licensed") return true;
  }
  return false;
}

}  // namespace

std::uint64_t word_hash(std::string_view word) { return XXH3_64bits(word.data(), word.size()); }

NormalizedText normalize_license_text(std::string_view text, bool license_file, std::vector<std::uint64_t>* every_word) {
  NormalizedText result;
  // Words average about six bytes with their separators: reserved once, not grown by copies.
  result.words.reserve(text.size() / 6 + 1);
  if (every_word != nullptr) every_word->reserve(every_word->size() + text.size() / 6 + 1);
  std::vector<Word> words;
  std::string chars;  // the current line's words, lowercased
  bool in_title = true;  // leading short lines that name the license are its title
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    split_line(text.substr(start, end - start), chars, words);
    start = end + 1;
    if (words.empty()) continue;
    bool keep_line = true;
    if (license_file && is_copyright_line(words)) keep_line = false;
    if (keep_line && license_file && in_title) {
      if (words.size() <= 8 && mentions_license(words)) keep_line = false;
      if (words.size() > 8) in_title = false;
    }
    for (std::size_t k = 0; k < words.size(); ++k) {
      const auto& w = words[k];
      if (w.text == "www") continue;
      const std::uint64_t h = word_hash(canonical(w.text));
      if (every_word != nullptr) every_word->push_back(h);
      // List bullets: "1." "(a)" "ii)" at the start of a line.
      const bool bullet = license_file && k == 0 && (w.after == '.' || w.after == ')') &&
                          (is_number(w.text) || w.text.size() == 1 || is_roman(w.text));
      if (keep_line && !bullet) result.words.push_back(h);
    }
    if (end == text.size()) break;
  }
  // The hash of the word hashes' bytes (the same value hashing them one by one gave).
  result.exact_hash = XXH3_64bits(result.words.data(), result.words.size() * sizeof(std::uint64_t));
  return result;
}

}  // namespace sluice::filter::license
