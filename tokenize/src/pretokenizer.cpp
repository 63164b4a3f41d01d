// Hand-written scanners for the GPT-2, cl100k and o200k pre-tokenization regexes. Each function
// below follows its regex alternative by alternative (leftmost alternative that matches wins,
// quantifiers greedy with the regex engine's backtracking worked out by hand), so the pieces are
// the ones tiktoken's regex gives. tests/tokenize/pretokenizer_test.cpp checks that with PCRE2.
#include "sluice/tokenize/pretokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>

#include <array>

#include "sluice/core/error.h"

namespace sluice::tokenize {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kCl100kPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kO200kPattern =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

namespace {

// Character classes as bits. kUpper is the o200k set [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}], kLower is
// [\p{Ll}\p{Lm}\p{Lo}\p{M}].
enum : unsigned char {
  kLetter = 1,
  kNumber = 2,
  kSpace = 4,    // Unicode White_Space, as Rust's regex `\s` (U+0085 yes, U+FEFF no)
  kNewline = 8,  // \r or \n
  kUpper = 16,
  kLower = 32,
};

constexpr bool is_white_space(std::int32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

unsigned char classify(std::int32_t cp) {
  unsigned char bits = is_white_space(cp) ? kSpace : 0;
  if (cp == '\r' || cp == '\n') bits |= kNewline;
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT: bits |= kLetter | kUpper; break;
    case UTF8PROC_CATEGORY_LL: bits |= kLetter | kLower; break;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: bits |= kLetter | kUpper | kLower; break;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: bits |= kUpper | kLower; break;
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: bits |= kNumber; break;
    default: break;
  }
  return bits;
}

// ASCII's classes, known at compile time: its only letters are A-Z (Lu) and a-z (Ll), its only
// numbers 0-9 (Nd), and it has no marks. (Asking utf8proc at start-up loaded it for every command.)
constexpr std::array<unsigned char, 128> kAscii = [] {
  std::array<unsigned char, 128> table{};
  for (int c = 0; c < 128; ++c) {
    unsigned char bits = is_white_space(c) ? kSpace : 0;
    if (c == '\r' || c == '\n') bits |= kNewline;
    if (c >= 'A' && c <= 'Z') bits |= kLetter | kUpper;
    if (c >= 'a' && c <= 'z') bits |= kLetter | kLower;
    if (c >= '0' && c <= '9') bits |= kNumber;
    table[static_cast<std::size_t>(c)] = bits;
  }
  return table;
}();

struct Char {
  std::size_t len;
  unsigned char cls;
};

// The character at `pos`; an invalid UTF-8 byte is a 1-byte character with no class.
inline Char char_at(std::string_view text, std::size_t pos) {
  const auto c = static_cast<unsigned char>(text[pos]);
  if (c < 0x80) return {1, kAscii[c]};
  utf8proc_int32_t cp = 0;
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos);
  const utf8proc_ssize_t len = utf8proc_iterate(bytes, static_cast<utf8proc_ssize_t>(text.size() - pos), &cp);
  if (len <= 0) return {1, 0};
  return {static_cast<std::size_t>(len), classify(cp)};
}

// Scans characters while (class & mask) != 0 (or == 0 when `without`); returns the end.
inline std::size_t scan(std::string_view text, std::size_t pos, unsigned char mask) {
  while (pos < text.size()) {
    const Char ch = char_at(text, pos);
    if (!(ch.cls & mask)) break;
    pos += ch.len;
  }
  return pos;
}
// Scans [^\s\p{L}\p{N}]+ ("other" characters).
inline std::size_t scan_other(std::string_view text, std::size_t pos) {
  while (pos < text.size()) {
    const Char ch = char_at(text, pos);
    if (ch.cls & (kLetter | kNumber | kSpace)) break;
    pos += ch.len;
  }
  return pos;
}
inline bool is_other(unsigned char cls) { return !(cls & (kLetter | kNumber | kSpace)); }

inline std::size_t previous_char(std::string_view text, std::size_t pos) {
  do {
    --pos;
  } while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80);
  return pos;
}

// 's 't 're 've 'm 'll 'd at pos (text[pos] == '\''); returns the end or 0. Case-insensitive as
// Rust's (?i) (simple case folding: U+017F LONG S folds to s, U+212A KELVIN to k - no k here).
std::size_t contraction(std::string_view text, std::size_t pos, bool ignore_case) {
  const std::size_t n = text.size();
  auto lower = [&](std::size_t i) -> int {
    if (i >= n) return 0;
    const auto c = static_cast<unsigned char>(text[i]);
    if (!ignore_case) return c;
    if (c >= 'A' && c <= 'Z') return c + 32;
    return c;
  };
  const int a = lower(pos + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return pos + 2;
  if (ignore_case && pos + 2 < n && static_cast<unsigned char>(text[pos + 1]) == 0xC5 &&
      static_cast<unsigned char>(text[pos + 2]) == 0xBF) {
    return pos + 3;  // 'ſ
  }
  const int b = lower(pos + 2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return pos + 3;
  return 0;
}

// Shared tail of every pattern: a whitespace run at `pos`. With `newlines`, `\s*[\r\n]+` comes
// first (cl100k, o200k). Then `\s+(?!\S)` (the run, less its last character when a non-space
// follows), then `\s+` (a single character before a non-space).
std::size_t whitespace_end(std::string_view text, std::size_t pos, bool newlines) {
  std::size_t end = pos;
  std::size_t last_newline = std::string_view::npos;
  std::size_t chars = 0;
  std::size_t last_start = pos;
  while (end < text.size()) {
    const Char ch = char_at(text, end);
    if (!(ch.cls & kSpace)) break;
    if (ch.cls & kNewline) last_newline = end;
    last_start = end;
    end += ch.len;
    ++chars;
  }
  if (newlines && last_newline != std::string_view::npos) return last_newline + 1;
  if (end == text.size() || chars == 1) return end;
  return last_start;
}

// The alternatives that cl100k and o200k share after their word alternatives, `c` being the
// character at `pos`: \p{N}{1,3} | ?[^\s\p{L}\p{N}]+ then [\r\n]* (o200k, kSlash: [\r\n/]*) |
// the whitespace ones. A template, so each pattern's scanner inlines its own copy.
template <bool kSlash>
inline std::size_t after_words_end(std::string_view text, std::size_t pos, Char c) {
  if (c.cls & kNumber) {
    std::size_t end = pos + c.len;
    for (int i = 1; i < 3 && end < text.size(); ++i) {
      const Char ch = char_at(text, end);
      if (!(ch.cls & kNumber)) break;
      end += ch.len;
    }
    return end;
  }
  std::size_t start = std::string_view::npos;
  if (is_other(c.cls)) {
    start = pos + c.len;
  } else if (text[pos] == ' ' && pos + 1 < text.size()) {
    const Char next = char_at(text, pos + 1);
    if (is_other(next.cls)) start = pos + 1 + next.len;
  }
  if (start != std::string_view::npos) {
    std::size_t end = scan_other(text, start);
    while (end < text.size() && (text[end] == '\r' || text[end] == '\n' || (kSlash && text[end] == '/'))) ++end;
    return end;
  }
  return whitespace_end(text, pos, true);
}

std::size_t gpt2_end(std::string_view text, std::size_t pos) {
  const Char c = char_at(text, pos);
  if (text[pos] == '\'') {
    if (const std::size_t e = contraction(text, pos, false)) return e;
  }
  std::size_t start = pos;
  Char head = c;
  if (text[pos] == ' ' && pos + 1 < text.size()) {
    const Char next = char_at(text, pos + 1);
    if (!(next.cls & kSpace)) {
      start = pos + 1;
      head = next;
    }
  }
  if (head.cls & kLetter) return scan(text, start + head.len, kLetter);
  if (head.cls & kNumber) return scan(text, start + head.len, kNumber);
  if (is_other(head.cls)) return scan_other(text, start + head.len);
  return whitespace_end(text, pos, false);
}

std::size_t cl100k_end(std::string_view text, std::size_t pos) {
  const Char c = char_at(text, pos);
  if (text[pos] == '\'') {
    if (const std::size_t e = contraction(text, pos, true)) return e;
  }
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (c.cls & kLetter) return scan(text, pos + c.len, kLetter);
  if (!(c.cls & (kNewline | kLetter | kNumber)) && pos + c.len < text.size()) {
    const Char next = char_at(text, pos + c.len);
    if (next.cls & kLetter) return scan(text, pos + c.len + next.len, kLetter);
  }
  return after_words_end<false>(text, pos, c);
}

// o200k's first two alternatives: a word with an optional one-character prefix, upper-case-ish
// run then lower-case-ish run (alternative 1) or at least one upper-case-ish character
// (alternative 2), then an optional contraction.
std::size_t o200k_word_end(std::string_view text, std::size_t pos) {
  const Char c = char_at(text, pos);
  const bool can_prefix = !(c.cls & (kNewline | kLetter | kNumber));
  auto with_contraction = [&](std::size_t end) {
    if (end < text.size() && text[end] == '\'') {
      if (const std::size_t e = contraction(text, end, true)) return e;
    }
    return end;
  };
  // Alternative 1: prefix? U* L+ c?
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool prefix = attempt == 0;
    if (prefix && !can_prefix) continue;
    const std::size_t j = prefix ? pos + c.len : pos;
    const std::size_t upper_end = scan(text, j, kUpper);
    // Greedy U* backs off one character at a time until L+ can start.
    std::size_t k = upper_end;
    while (true) {
      if (k < text.size() && (char_at(text, k).cls & kLower)) return with_contraction(scan(text, k, kLower));
      if (k == j) break;
      k = previous_char(text, k);
    }
  }
  // Alternative 2: prefix? U+ L* c?
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool prefix = attempt == 0;
    if (prefix && !can_prefix) continue;
    const std::size_t j = prefix ? pos + c.len : pos;
    if (j >= text.size() || !(char_at(text, j).cls & kUpper)) continue;
    return with_contraction(scan(text, scan(text, j, kUpper), kLower));
  }
  return 0;
}

std::size_t o200k_end(std::string_view text, std::size_t pos) {
  if (const std::size_t e = o200k_word_end(text, pos)) return e;
  return after_words_end<true>(text, pos, char_at(text, pos));
}

}  // namespace

struct PreTokenizer::Custom {
  pcre2_code* code = nullptr;
  ~Custom() { pcre2_code_free(code); }
};

PatternKind pattern_kind_from_name(const std::string& name) {
  if (name == "gpt2" || name == "r50k" || name == "p50k") return PatternKind::kGpt2;
  if (name == "cl100k" || name == "cl100k_base") return PatternKind::kCl100k;
  if (name == "o200k" || name == "o200k_base") return PatternKind::kO200k;
  throw Error("unknown pre-tokenizer pattern '" + name + "' (use gpt2, cl100k or o200k)");
}

PatternKind pattern_kind_from_regex(const std::string& regex) {
  static const char* const kGpt2Possessive = R"('(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s)";
  static const char* const kCl100kPossessive =
      R"('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s)";
  if (regex == kGpt2Pattern || regex == kGpt2Possessive) return PatternKind::kGpt2;
  if (regex == kCl100kPattern || regex == kCl100kPossessive) return PatternKind::kCl100k;
  if (regex == kO200kPattern) return PatternKind::kO200k;
  return PatternKind::kCustom;
}

PreTokenizer::PreTokenizer(PatternKind kind) : kind_(kind) {
  switch (kind) {
    case PatternKind::kGpt2: regex_ = kGpt2Pattern; break;
    case PatternKind::kCl100k: regex_ = kCl100kPattern; break;
    case PatternKind::kO200k: regex_ = kO200kPattern; break;
    case PatternKind::kCustom: throw Error("a custom pre-tokenizer needs its regex");
  }
}

PreTokenizer::PreTokenizer(const std::string& custom_regex) : kind_(pattern_kind_from_regex(custom_regex)), regex_(custom_regex) {
  if (kind_ != PatternKind::kCustom) return;
  custom_ = std::make_unique<Custom>();
  int error = 0;
  PCRE2_SIZE offset = 0;
  custom_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(custom_regex.data()), custom_regex.size(),
                                PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &error, &offset, nullptr);
  if (custom_->code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    throw Error("pre-tokenizer regex does not compile at offset " + std::to_string(offset) + ": " +
                reinterpret_cast<const char*>(message));
  }
  pcre2_jit_compile(custom_->code, PCRE2_JIT_COMPLETE);
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

PreTokenizer::PreTokenizer(const PreTokenizer& other)
    : PreTokenizer(other.kind_ == PatternKind::kCustom ? PreTokenizer(other.regex_) : PreTokenizer(other.kind_)) {}

PreTokenizer& PreTokenizer::operator=(const PreTokenizer& other) {
  if (this != &other) *this = PreTokenizer(other);
  return *this;
}

std::size_t PreTokenizer::piece_end(std::string_view text, std::size_t pos) const {
  switch (kind_) {
    case PatternKind::kGpt2: return gpt2_end(text, pos);
    case PatternKind::kCl100k: return cl100k_end(text, pos);
    case PatternKind::kO200k: return o200k_end(text, pos);
    case PatternKind::kCustom: break;
  }
  // Custom: the next match; text before it is a piece of its own (Hugging Face's "Isolated").
  pcre2_match_data* match = pcre2_match_data_create_from_pattern(custom_->code, nullptr);
  const int rc = pcre2_match(custom_->code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos, 0, match, nullptr);
  std::size_t end = text.size();
  if (rc > 0) {
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    if (ovector[0] > pos) {
      end = ovector[0];
    } else if (ovector[1] > pos) {
      end = ovector[1];
    } else {
      end = pos + char_at(text, pos).len;  // an empty match: step over one character
    }
  }
  pcre2_match_data_free(match);
  return end;
}

}  // namespace sluice::tokenize
