#include "required_text.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <optional>

namespace sluice::ingest {
namespace {

using Texts = std::vector<std::string>;
constexpr std::size_t kMaxExact = 64;  // larger alternation products are not tracked

// What a part of a pattern tells: `required` (a match contains one of these) and `exact` (the part
// matches exactly one of these strings: a literal, or an alternation of literals).
struct Facts {
  std::optional<Texts> required;
  std::optional<Texts> exact;
};

std::size_t shortest(const Texts& texts) {
  std::size_t n = std::string::npos;
  for (const auto& text : texts) n = std::min(n, text.size());
  return texts.empty() ? 0 : n;
}

// Keeps the better of two required sets: each text costs a memmem over the subject, and a text
// is about as selective as it will get at 6 characters, so the shortest text counts up to 6,
// then the number of texts ("include <" rather than fifteen "include <cstdint" and the like).
void consider(std::optional<Texts>& best, const Texts& candidate) {
  if (candidate.empty() || shortest(candidate) == 0) return;
  const auto score = [](const Texts& texts) { return std::min<std::size_t>(shortest(texts), 6); };
  if (!best || score(candidate) > score(*best) || (score(candidate) == score(*best) && candidate.size() < best->size())) {
    best = candidate;
  }
}

class Parser {
 public:
  explicit Parser(std::string_view pattern) : p_(pattern) {}
  bool bad() const { return bad_ || i_ < p_.size(); }  // a stray ')' is not understood either

  Facts alternation() {
    std::vector<Facts> branches{sequence()};
    while (i_ < p_.size() && p_[i_] == '|') {
      ++i_;
      branches.push_back(sequence());
    }
    if (branches.size() == 1) return branches[0];
    Facts result;
    Texts required, exact;
    bool all_required = true, all_exact = true;
    for (const auto& branch : branches) {
      if (branch.required) required.insert(required.end(), branch.required->begin(), branch.required->end());
      else all_required = false;
      if (branch.exact) exact.insert(exact.end(), branch.exact->begin(), branch.exact->end());
      else all_exact = false;
    }
    if (all_required) result.required = required;
    if (all_exact && exact.size() <= kMaxExact) result.exact = exact;
    return result;
  }

 private:
  // Length of a quantifier at i_ and whether it allows zero repetitions; 0 when there is none.
  std::size_t quantifier(bool& optional) const {
    optional = false;
    if (i_ >= p_.size()) return 0;
    std::size_t n = 0;
    const char c = p_[i_];
    if (c == '?' || c == '*') {
      optional = true;
      n = 1;
    } else if (c == '+') {
      n = 1;
    } else if (c == '{') {
      std::size_t j = i_ + 1;
      const std::size_t digits = j;
      while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j])) != 0) ++j;
      if (j == digits) return 0;  // "{" that is not a quantifier is a literal
      optional = p_.substr(digits, j - digits).find_first_not_of('0') == std::string_view::npos;
      if (j < p_.size() && p_[j] == ',') {
        ++j;
        while (j < p_.size() && std::isdigit(static_cast<unsigned char>(p_[j])) != 0) ++j;
      }
      if (j >= p_.size() || p_[j] != '}') return 0;
      n = j + 1 - i_;
    }
    if (n > 0 && i_ + n < p_.size() && (p_[i_ + n] == '?' || p_[i_ + n] == '+')) ++n;  // lazy, possessive
    return n;
  }

  Facts sequence() {
    std::optional<Texts> best;
    Texts chunk{""};  // exact strings of the literal run being built
    bool exact = true;
    const auto end_chunk = [&] {
      if (!(chunk.size() == 1 && chunk[0].empty())) consider(best, chunk);
      chunk = {""};
    };
    const auto append = [&](const Texts& texts) {
      // The run so far is required as it stands: one text may beat many longer ones.
      if (texts.size() > 1 && !(chunk.size() == 1 && chunk[0].empty())) consider(best, chunk);
      Texts product;
      for (const auto& a : chunk) {
        for (const auto& b : texts) product.push_back(a + b);
      }
      if (product.size() > kMaxExact) {
        end_chunk();
        exact = false;
        consider(best, texts);
      } else {
        chunk = std::move(product);
      }
    };
    // An item with its facts, then its quantifier.
    const auto item = [&](const Facts& facts) {
      bool optional = false;
      const std::size_t q = quantifier(optional);
      i_ += q;
      if (q == 0 && facts.exact) {
        append(*facts.exact);
        return;
      }
      exact = false;
      if (optional) {
        end_chunk();
        return;
      }
      if (facts.exact) {  // repeated at least once: it is there, but nothing may follow it directly
        append(*facts.exact);
        end_chunk();
        return;
      }
      end_chunk();
      if (facts.required) consider(best, *facts.required);
    };
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      const char c = p_[i_];
      if (c == '(') {
        ++i_;
        bool keep = true;
        if (p_.substr(i_).starts_with("?:")) {
          i_ += 2;
        } else if (p_.substr(i_).starts_with("?=") || p_.substr(i_).starts_with("?!")) {
          i_ += 2;
          keep = false;
        } else if (p_.substr(i_).starts_with("?<=") || p_.substr(i_).starts_with("?<!")) {
          i_ += 3;
          keep = false;
        } else if (p_.substr(i_).starts_with("?<") || p_.substr(i_).starts_with("?P<")) {
          const auto close = p_.find('>', i_);
          if (close == std::string_view::npos) return fail();
          i_ = close + 1;
        } else if (i_ < p_.size() && p_[i_] == '?') {
          return fail();  // flags such as (?i), and constructs not handled here
        }
        const Facts inner = alternation();
        if (i_ >= p_.size() || p_[i_] != ')') return fail();
        ++i_;
        item(keep ? inner : Facts{});
        if (!keep) exact = false;
      } else if (c == '[') {
        std::size_t j = i_ + 1;
        if (j < p_.size() && p_[j] == '^') ++j;
        if (j < p_.size() && p_[j] == ']') ++j;
        while (j < p_.size() && p_[j] != ']') {
          if (p_[j] == '[' && j + 1 < p_.size() && p_[j + 1] == ':') {  // [:alpha:]
            const auto close = p_.find(":]", j + 2);
            if (close == std::string_view::npos) return fail();
            j = close + 2;
            continue;
          }
          j += p_[j] == '\\' ? 2 : 1;
        }
        if (j >= p_.size()) return fail();
        i_ = j + 1;
        item(Facts{});
      } else if (c == '\\') {
        if (i_ + 1 >= p_.size()) return fail();
        const char e = p_[i_ + 1];
        i_ += 2;
        if (std::isalnum(static_cast<unsigned char>(e)) != 0) {
          if (e == 'Q' || e == 'E') return fail();
          if ((e == 'x' || e == 'p' || e == 'P' || e == 'k' || e == 'g' || e == 'o') && i_ < p_.size() &&
              (p_[i_] == '{' || p_[i_] == '<')) {
            const auto close = p_.find(p_[i_] == '{' ? '}' : '>', i_);
            if (close == std::string_view::npos) return fail();
            i_ = close + 1;
          } else if (e == 'x') {
            for (int k = 0; k < 2 && i_ < p_.size() && std::isxdigit(static_cast<unsigned char>(p_[i_])) != 0; ++k) ++i_;
          } else if (e == 'c') {
            ++i_;
          } else if (std::isdigit(static_cast<unsigned char>(e)) != 0) {
            while (i_ < p_.size() && std::isdigit(static_cast<unsigned char>(p_[i_])) != 0) ++i_;
          }
          item(Facts{});  // a class, an assertion, a code or a back reference
        } else {
          item(Facts{Texts{std::string(1, e)}, Texts{std::string(1, e)}});
        }
      } else if (c == '.' || c == '^' || c == '$') {
        ++i_;
        item(Facts{});
      } else if (c == '*' || c == '+' || c == '?') {
        return fail();  // a quantifier with nothing before it
      } else {
        ++i_;
        item(Facts{Texts{std::string(1, c)}, Texts{std::string(1, c)}});
      }
      if (bad_) return {};
    }
    Facts result;
    if (exact) result.exact = chunk;
    end_chunk();
    result.required = best;
    return result;
  }

  Facts fail() {
    bad_ = true;
    i_ = p_.size();
    return {};
  }

  std::string_view p_;
  std::size_t i_ = 0;
  bool bad_ = false;
};

}  // namespace

std::vector<std::string> required_texts(std::string_view pattern) {
  Parser parser(pattern);
  const Facts facts = parser.alternation();
  if (parser.bad() || !facts.required || shortest(*facts.required) < 3) return {};
  Texts texts = *facts.required;
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end()), texts.end());
  return texts;
}

namespace {

// Printable bytes from the most to the least frequent in C headers, Python and Perl sources of a
// Debian system (6,000 files); bytes not listed are rarer still.
constexpr std::string_view kByFrequency =
    " e_tsniora\ncSdlEp*fT)(uONChIRLA,Pmk/yg0DM#bx;vFX1-GU.B\t52w9KV:HY3=<>846{}\\\"zW&7q'@JQ[]jZ|+!`$%~?^";

std::size_t rarity(char c) {
  const auto at = kByFrequency.find(c);
  return at == std::string_view::npos ? kByFrequency.size() : at;
}

}  // namespace

TextSet::TextSet(std::vector<std::string> texts) {
  for (auto& text : texts) {
    if (text.empty()) continue;
    std::size_t rare = 0;
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (rarity(text[i]) > rarity(text[rare])) rare = i;
    }
    const char byte = text[rare];
    auto group = std::find_if(groups_.begin(), groups_.end(), [&](const Group& g) { return g.rare == byte; });
    if (group == groups_.end()) group = groups_.insert(groups_.end(), Group{byte, {}});
    group->needles.push_back({std::move(text), rare});
  }
}

bool TextSet::found_in(std::string_view subject) const {
  if (groups_.empty()) return true;
  for (const auto& group : groups_) {
    // Where the rare byte can be for at least one needle: [min rare, size - min tail).
    std::size_t first = SIZE_MAX, tail = SIZE_MAX;
    for (const auto& needle : group.needles) {
      first = std::min(first, needle.rare);
      tail = std::min(tail, needle.text.size() - needle.rare - 1);
    }
    if (subject.size() < first + tail + 1) continue;
    const char* p = subject.data() + first;
    const char* const end = subject.data() + subject.size() - tail;
    while (p < end) {
      p = static_cast<const char*>(std::memchr(p, group.rare, static_cast<std::size_t>(end - p)));
      if (p == nullptr) break;
      const auto at = static_cast<std::size_t>(p - subject.data());
      for (const auto& needle : group.needles) {
        // The needle would start at `at - rare` and must fit inside the subject.
        if (at < needle.rare || at - needle.rare + needle.text.size() > subject.size()) continue;
        if (std::memcmp(p - needle.rare, needle.text.data(), needle.text.size()) == 0) return true;
      }
      ++p;
    }
  }
  return false;
}

}  // namespace sluice::ingest
