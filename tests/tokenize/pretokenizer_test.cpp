// The hand-written scanners against PCRE2 running the same regexes, on fuzzed text.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <gtest/gtest.h>
#include <pcre2.h>

#include <random>

#include "sluice/core/error.h"
#include "sluice/tokenize/pretokenizer.h"

namespace sluice::tokenize {
namespace {

// Rust's regex `\s` is Unicode White_Space; PCRE2's is not quite (no U+0085), so spell it out.
constexpr const char* kWhiteSpace =
    R"(\t\n\x0B\f\r\x{20}\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";

std::string with_explicit_white_space(std::string regex) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t at = regex.find(from); at != std::string::npos; at = regex.find(from, at + to.size())) {
      regex.replace(at, from.size(), to);
    }
  };
  replace_all(R"([^\s)", std::string("[^") + kWhiteSpace);
  replace_all(R"(\s)", std::string("[") + kWhiteSpace + "]");
  replace_all(R"(\S)", std::string("[^") + kWhiteSpace + "]");
  return regex;
}

class Pcre2Splitter {
 public:
  explicit Pcre2Splitter(const std::string& regex) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    const std::string spelled = with_explicit_white_space(regex);
    code_ = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(spelled.data()), spelled.size(), PCRE2_UTF | PCRE2_UCP, &error,
                          &offset, nullptr);
    EXPECT_NE(code_, nullptr) << "regex error " << error << " at " << offset;
    match_ = pcre2_match_data_create_from_pattern(code_, nullptr);
  }
  ~Pcre2Splitter() {
    pcre2_match_data_free(match_);
    pcre2_code_free(code_);
  }
  std::vector<std::string> split(const std::string& text) const {
    std::vector<std::string> pieces;
    std::size_t pos = 0;
    while (pos < text.size()) {
      const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), pos, 0, match_, nullptr);
      if (rc <= 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match_);
      if (ov[0] != pos) pieces.push_back("<gap>" + text.substr(pos, ov[0] - pos));
      pieces.push_back(text.substr(ov[0], ov[1] - ov[0]));
      pos = ov[1];
    }
    if (pos < text.size()) pieces.push_back("<gap>" + text.substr(pos));
    return pieces;
  }

 private:
  pcre2_code* code_ = nullptr;
  pcre2_match_data* match_ = nullptr;
};

std::vector<std::string> scan_split(const PreTokenizer& pre, const std::string& text) {
  std::vector<std::string> pieces;
  pre.split(text, [&](std::string_view piece) { pieces.emplace_back(piece); });
  return pieces;
}

// Characters that exercise every class boundary the patterns care about.
const std::vector<std::string> kPool = {
    "a", "b", "Z", "Q", "s", "t", "S", "T", "l", "L", "v", "e", "r", "R", "m", "d", "D", "0", "7", "9", " ", " ", " ",
    "  ", "\t", "\n", "\r", "\r\n", "'", "'", "/", "(", ")", ".", ",", "-", "_", "#", "\"", "{", "\x0B", "\x1C",
    "\xc3\xa9",          // é  Ll
    "\xc3\x89",          // É  Lu
    "\xc3\x9f",          // ß
    "\xc5\xbf",          // ſ  long s (folds to s)
    "\xc7\x85",          // ǅ  Lt
    "\xca\xb0",          // ʰ  Lm
    "\xcc\x81",          // combining acute  Mn
    "\xce\xb1", "\xce\x91",  // α Α
    "\xd8\xb9",          // ع  Lo
    "\xe0\xa4\x95", "\xe0\xa5\x8d",  // क ्  (Lo, Mn)
    "\xe4\xb8\xad",      // 中 Lo
    "\xe2\x85\xa0",      // Ⅰ  Nl
    "\xc2\xb2",          // ²  No
    "\xd9\xa3",          // ٣  Nd
    "\xc2\xa0",          // NBSP
    "\xc2\x85",          // NEL (White_Space)
    "\xe3\x80\x80",      // ideographic space
    "\xe2\x80\xa8",      // line separator
    "\xef\xbb\xbf",      // BOM / ZWNBSP (not White_Space)
    "\xe2\x80\x8d",      // ZWJ
    "\xf0\x9f\x98\x80",  // 😀
};

void fuzz(PatternKind kind, const char* regex, std::uint32_t seed) {
  const PreTokenizer pre(kind);
  const Pcre2Splitter reference(regex);
  std::mt19937 rng(seed);
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    const int length = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < length; ++k) text += kPool[rng() % kPool.size()];
    ASSERT_EQ(scan_split(pre, text), reference.split(text)) << "text: [" << text << "]";
  }
}

TEST(PreTokenizer, Gpt2ScannerMatchesPcre2) { fuzz(PatternKind::kGpt2, kGpt2Pattern, 1); }
TEST(PreTokenizer, Cl100kScannerMatchesPcre2) { fuzz(PatternKind::kCl100k, kCl100kPattern, 2); }
TEST(PreTokenizer, O200kScannerMatchesPcre2) { fuzz(PatternKind::kO200k, kO200kPattern, 3); }

TEST(PreTokenizer, CustomPatternRunsThroughPcre2) {
  const PreTokenizer pre(std::string(R"(\p{N}|[^\p{N}]+)"));
  EXPECT_EQ(pre.kind(), PatternKind::kCustom);
  EXPECT_EQ(scan_split(pre, "ab12c"), (std::vector<std::string>{"ab", "1", "2", "c"}));
  EXPECT_THROW(PreTokenizer(std::string("(unclosed")), Error);
}

TEST(PreTokenizer, InvalidUtf8IsCutNotDropped) {
  const PreTokenizer pre(PatternKind::kCl100k);
  const std::string text = "ab\xff\xfe cd\xc3";
  std::string joined;
  for (const auto& piece : scan_split(pre, text)) joined += piece;
  EXPECT_EQ(joined, text);
}

}  // namespace
}  // namespace sluice::tokenize
