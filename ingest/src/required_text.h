#pragma once
// A cheap test to run before a regular expression: the literal texts of which every match must
// contain at least one. linguist's heuristics run dozens of patterns over up to 50 KB of a file
// ("std::\w+", "^\s*template\s*<", ...); most files contain none of the texts, and a memmem for
// them costs a fraction of a regex scan.
#include <string>
#include <string_view>
#include <vector>

namespace sluice::ingest {

// Texts of which any match of `pattern` (PCRE2 syntax, case-sensitive) contains at least one; empty
// when no such set is certain (a case-insensitive flag, a construct not understood, or texts of
// fewer than 3 characters, too common to be worth a search).
std::vector<std::string> required_texts(std::string_view pattern);

// Whether a subject contains one of a set of texts (any subject, for an empty set). Each text is
// looked for by its rarest byte in source code (':' of "std::", 'x' of "constexpr"): memchr skips
// the subject at vector speed between the few places worth comparing. Texts that share their
// rarest byte share one scan ("@interface", "@end" ... of Objective-C's pattern: one pass for '@'
// over each C header instead of eight).
class TextSet {
 public:
  explicit TextSet(std::vector<std::string> texts);
  bool found_in(std::string_view subject) const;
  bool empty() const { return groups_.empty(); }

 private:
  struct Needle {
    std::string text;
    std::size_t rare;  // offset of its rarest byte
  };
  struct Group {
    char rare;  // the rarest byte of each of its needles
    std::vector<Needle> needles;
  };
  std::vector<Group> groups_;
};

}  // namespace sluice::ingest
