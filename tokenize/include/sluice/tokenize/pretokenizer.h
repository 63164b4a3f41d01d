#pragma once
// Pre-tokenization: cuts text into the pieces that BPE then encodes one by one. The GPT-2, cl100k
// and o200k patterns are hand-written scanners over Unicode classes (utf8proc tables), written to
// give exactly the pieces that the regexes give (tests compare them with PCRE2 on fuzzed input);
// any other pattern runs through PCRE2.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace sluice::tokenize {

enum class PatternKind { kGpt2, kCl100k, kO200k, kCustom };

// The regexes as tiktoken 1.0.22 (npm) states them; the scanners follow these spellings.
extern const char* const kGpt2Pattern;
extern const char* const kCl100kPattern;
extern const char* const kO200kPattern;

// "gpt2" | "cl100k" | "o200k" -> kind; anything else is an Error.
PatternKind pattern_kind_from_name(const std::string& name);
// The built-in kind whose regex is spelled `regex` (also the possessive spellings of current
// tiktoken and Hugging Face files), or kCustom.
PatternKind pattern_kind_from_regex(const std::string& regex);

class PreTokenizer {
 public:
  explicit PreTokenizer(PatternKind kind);
  explicit PreTokenizer(const std::string& custom_regex);  // PCRE2, UTF + UCP; Error if it does not compile
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  PreTokenizer(const PreTokenizer& other);  // recompiles a custom regex
  PreTokenizer& operator=(const PreTokenizer& other);

  PatternKind kind() const { return kind_; }
  const std::string& regex() const { return regex_; }

  // End of the piece that starts at `pos` (< text.size()). Bytes that are not valid UTF-8 count
  // as single characters of no Unicode class (like punctuation).
  std::size_t piece_end(std::string_view text, std::size_t pos) const;

  template <typename Fn>
  void split(std::string_view text, Fn&& fn) const {
    std::size_t pos = 0;
    while (pos < text.size()) {
      const std::size_t end = piece_end(text, pos);
      fn(text.substr(pos, end - pos));
      pos = end;
    }
  }

 private:
  struct Custom;
  PatternKind kind_;
  std::string regex_;
  std::unique_ptr<Custom> custom_;
};

}  // namespace sluice::tokenize
