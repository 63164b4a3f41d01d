#include "license/normalize.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <span>
#include <string>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

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
  std::string_view text;  // lowercased, in a line or text buffer
  char after = 0;         // the ASCII character right after the word (for bullets such as "1." "a)")
};

// Spelling variants that licensee also folds; "https" and "http" are one scheme.
constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kVariants{{
    {"licence", "license"}, {"licences", "licenses"}, {"licenced", "licensed"},
    {"sublicence", "sublicense"}, {"https", "http"}, {"organisation", "organization"},
    {"authorised", "authorized"}, {"recognised", "recognized"}, {"behaviour", "behavior"},
    {"favour", "favor"},
}};

// Per word length, the first letters (bit 0 = 'a') of the variants that long: almost every word
// is told apart from all variants by one lookup instead of ten compares.
constexpr std::array<std::uint32_t, 16> kVariantInitials = [] {
  std::array<std::uint32_t, 16> initials{};
  for (const auto& [from, to] : kVariants) initials.at(from.size()) |= 1u << (from[0] - 'a');
  return initials;
}();

std::string_view canonical(std::string_view word) {
  const unsigned letter = static_cast<unsigned char>(word[0]) - unsigned{'a'};
  if (word.size() >= kVariantInitials.size() || letter >= 26 || (kVariantInitials[word.size()] >> letter & 1) == 0) return word;
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

// Splits one line into words, skipping `<placeholder>` spans: the general case, for lines with a
// non-ASCII byte or a '<' (split_ascii_line does the others). The words' lowercased characters go
// to `chars`, sized to the line's length first: no word is longer lowercased than in the line,
// so the buffer never moves and the words can view it. Returns the number of words written to
// `words` (at most the line's length: every word takes a byte of `chars`).
std::size_t split_line(std::string_view line, std::string& chars, Word* words) {
  std::size_t count = 0;
  if (chars.size() < line.size() + 1) chars.resize(line.size() + 1);
  char* out = chars.data();
  std::size_t size = 0, word_start = 0;
  auto flush = [&](char after) {
    if (size == word_start) return;
    words[count++] = {std::string_view(out + word_start, size - word_start), after};
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
  return count;
}

// The text's bytes classified 64 at a time, so that lines and words are found a bit word at a
// time instead of a byte at a time: bit k of a block is byte 64 * block + k.
struct ByteBlock {
  std::uint64_t word = 0;     // an ASCII letter or digit
  std::uint64_t special = 0;  // a non-ASCII byte or '<': its line goes through split_line
  std::uint64_t newline = 0;
};

struct Masks32 {
  std::uint32_t word = 0, special = 0, newline = 0;
};

// Classifies 32 bytes at `from` and writes them to `to` with ASCII letters lowercased.
Masks32 lower_and_classify(const char* from, char* to) {
#if defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from));
  // lo <= byte <= hi for ASCII bounds; the compares are signed, so bytes >= 0x80 are outside.
  const auto between = [](__m256i x, char lo, char hi) {
    return _mm256_and_si256(_mm256_cmpgt_epi8(x, _mm256_set1_epi8(static_cast<char>(lo - 1))),
                            _mm256_cmpgt_epi8(_mm256_set1_epi8(static_cast<char>(hi + 1)), x));
  };
  const auto bits = [](__m256i x) { return static_cast<std::uint32_t>(_mm256_movemask_epi8(x)); };
  const __m256i lower = _mm256_or_si256(v, _mm256_and_si256(between(v, 'A', 'Z'), _mm256_set1_epi8(0x20)));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(to), lower);
  return {bits(_mm256_or_si256(between(lower, 'a', 'z'), between(v, '0', '9'))),
          bits(_mm256_or_si256(v, _mm256_cmpeq_epi8(v, _mm256_set1_epi8('<')))),  // the sign bit is non-ASCII
          bits(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n')))};
#else
  Masks32 masks;
  for (unsigned k = 0; k < 32; ++k) {
    const auto byte = static_cast<unsigned char>(from[k]);
    const char lowered = byte < 0x80 ? kAsciiWord[byte] : 0;
    to[k] = lowered != 0 ? lowered : from[k];
    if (lowered != 0) masks.word |= 1u << k;
    if (byte >= 0x80 || byte == '<') masks.special |= 1u << k;
    if (byte == '\n') masks.newline |= 1u << k;
  }
  return masks;
#endif
}

// Buffers that every call reuses (a license header is normalised for each source file with one).
struct Scratch {
  std::string lowered;  // the text with ASCII letters lowercased, then zero bytes to a whole block
  std::vector<ByteBlock> blocks;
  std::string chars;  // split_line's
  // The current line's words and their hashes, written through pointers (a line of n bytes has
  // at most n words): no capacity check per word.
  std::vector<Word> words;
  std::vector<std::uint64_t> hashes;
};

// Fills scratch.lowered and scratch.blocks for `text`. There is at least one padding byte, so
// every word of the text ends at a clear bit of its block.
void classify(std::string_view text, Scratch& scratch) {
  const std::size_t blocks = text.size() / 64 + 1;
  if (scratch.lowered.size() < blocks * 64) scratch.lowered.resize(blocks * 64);
  if (scratch.blocks.size() < blocks) scratch.blocks.resize(blocks);
  char* to = scratch.lowered.data();
  const std::size_t whole = text.size() / 64 * 64;
  // The last, partial block is read from the padded copy.
  text.copy(to + whole, text.size() - whole, whole);
  std::memset(to + text.size(), 0, blocks * 64 - text.size());
  for (std::size_t b = 0; b < blocks; ++b) {
    const char* from = b * 64 < whole ? text.data() + b * 64 : to + b * 64;
    const Masks32 low = lower_and_classify(from, to + b * 64), high = lower_and_classify(from + 32, to + b * 64 + 32);
    const auto join = [](std::uint32_t l, std::uint32_t h) { return std::uint64_t{l} | std::uint64_t{h} << 32; };
    scratch.blocks[b] = {join(low.word, high.word), join(low.special, high.special), join(low.newline, high.newline)};
  }
}

// The first position in [from, limit) whose `Bits` bit is set, or limit.
template <std::uint64_t ByteBlock::*Bits>
std::size_t next_set(const std::vector<ByteBlock>& blocks, std::size_t from, std::size_t limit) {
  std::size_t b = from / 64;
  if (const std::uint64_t bits = blocks[b].*Bits >> (from % 64); bits != 0) return std::min(limit, from + static_cast<std::size_t>(std::countr_zero(bits)));
  for (++b; b * 64 < limit; ++b) {
    if (const std::uint64_t bits = blocks[b].*Bits; bits != 0) return std::min(limit, b * 64 + static_cast<std::size_t>(std::countr_zero(bits)));
  }
  return limit;
}

// split_line for a line [begin, end) of ASCII without '<': its words are the runs of word bits,
// viewed in scratch.lowered. The runs' edges are the bits that differ from the bit before them,
// so each block of the line costs a shift and an xor, and each word two countr_zero.
std::size_t split_ascii_line(std::string_view text, std::size_t begin, std::size_t end, const Scratch& scratch, Word* words) {
  // Local copies: the stores of words could alias the vectors' members.
  const char* lowered = scratch.lowered.data();
  const ByteBlock* blocks = scratch.blocks.data();
  std::size_t count = 0, word_start = 0;
  std::uint64_t before = 0;  // the word bit before the block's first byte
  for (std::size_t b = begin / 64; b * 64 < end; ++b) {
    std::uint64_t bits = blocks[b].word;
    if (b == begin / 64) bits &= ~std::uint64_t{0} << (begin % 64);
    if (end - b * 64 < 64) bits &= (std::uint64_t{1} << (end - b * 64)) - 1;
    for (std::uint64_t edges = bits ^ (bits << 1 | before); edges != 0; edges &= edges - 1) {
      const std::size_t at = b * 64 + static_cast<std::size_t>(std::countr_zero(edges));
      if ((bits >> (at % 64) & 1) != 0) {
        word_start = at;
      } else {
        words[count++] = {std::string_view(lowered + word_start, at - word_start), at < end ? text[at] : ' '};
      }
    }
    before = bits >> 63;
  }
  // A word up to a line end that is a block's end (where no edge was seen).
  if (before != 0) words[count++] = {std::string_view(lowered + word_start, end - word_start), ' '};
  return count;
}

bool is_copyright_line(std::span<const Word> words) {
  if (words.empty()) return false;
  const auto& w = words[0].text;
  return w == "copyright" || w == "c" || (w == "portions" && words.size() > 1 && words[1].text == "copyright");
}

bool mentions_license(std::span<const Word> words) {
  for (const auto& w : words) {
    if (w.text == "license" || w.text == "licence" || w.text == "licensed") return true;
  }
  return false;
}

// word_hash, for add_line: GCC inlines this one into the word loop, not the exported function.
std::uint64_t hash_word(std::string_view word) { return XXH3_64bits(word.data(), word.size()); }

// List bullets: "1." "(a)" "ii)" (as the first word of a line).
bool is_bullet(const Word& w) {
  return (w.after == '.' || w.after == ')') && (is_number(w.text) || w.text.size() == 1 || is_roman(w.text));
}

// Hashes one line's words into `result` (without the line's title, copyright and bullet words
// where `license_file`) and into `every_word`. `hashes` has room for every word.
void add_line(std::span<const Word> words, std::uint64_t* hashes, bool license_file, bool& in_title,
              NormalizedText& result, std::vector<std::uint64_t>* every_word) {
  bool keep_line = true;
  if (license_file && is_copyright_line(words)) keep_line = false;
  if (keep_line && license_file && in_title) {
    if (words.size() <= 8 && mentions_license(words)) keep_line = false;
    if (words.size() > 8) in_title = false;
  }
  std::size_t count = 0;
  for (const auto& w : words) {
    if (w.text != "www") hashes[count++] = hash_word(canonical(w.text));
  }
  if (every_word != nullptr) every_word->insert(every_word->end(), hashes, hashes + count);
  // A bullet is never "www": when there is one, it is hashes[0].
  const std::size_t first = license_file && is_bullet(words[0]) ? 1 : 0;
  if (keep_line) result.words.insert(result.words.end(), hashes + first, hashes + count);
}

}  // namespace

std::uint64_t word_hash(std::string_view word) { return hash_word(word); }

NormalizedText normalize_license_text(std::string_view text, bool license_file, std::vector<std::uint64_t>* every_word) {
  NormalizedText result;
  // Words average about six bytes with their separators: reserved once, not grown by copies.
  result.words.reserve(text.size() / 6 + 1);
  if (every_word != nullptr) every_word->reserve(every_word->size() + text.size() / 6 + 1);
  thread_local Scratch scratch;
  classify(text, scratch);
  bool in_title = true;  // leading short lines that name the license are its title
  std::size_t start = 0;
  while (true) {
    const std::size_t end = next_set<&ByteBlock::newline>(scratch.blocks, start, text.size());
    if (scratch.words.size() < end - start + 1) {
      scratch.words.resize(end - start + 1);
      scratch.hashes.resize(end - start + 1);
    }
    const std::size_t count = next_set<&ByteBlock::special>(scratch.blocks, start, end) < end
                                  ? split_line(text.substr(start, end - start), scratch.chars, scratch.words.data())
                                  : split_ascii_line(text, start, end, scratch, scratch.words.data());
    if (count != 0) add_line({scratch.words.data(), count}, scratch.hashes.data(), license_file, in_title, result, every_word);
    if (end == text.size()) break;
    start = end + 1;
  }
  // The hash of the word hashes' bytes (the same value hashing them one by one gave).
  result.exact_hash = XXH3_64bits(result.words.data(), result.words.size() * sizeof(std::uint64_t));
  return result;
}

}  // namespace sluice::filter::license
