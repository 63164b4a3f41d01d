#pragma once
// A compiled PCRE2 pattern (JIT when available) that answers "does it match anywhere?".
// Patterns use linguist's conventions: `^` and `$` match at every line. Safe to share between
// threads: each thread keeps its own match data and JIT stack.
#include <string_view>

struct pcre2_real_code_8;

namespace sluice::ingest {

class Regex {
 public:
  explicit Regex(std::string_view pattern);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // True when the pattern matches somewhere in `subject`. Invalid UTF-8, or a match
  // that runs out of its resource limits counts as no match.
  bool search(std::string_view subject) const;
  // The same for a subject the caller has already checked to be valid UTF-8: PCRE2 skips its own
  // check, which otherwise costs a pass over the subject on every call.
  bool search_valid_utf8(std::string_view subject) const;

 private:
  pcre2_real_code_8* code_;
};

}  // namespace sluice::ingest
