// Language detection and path rules over the tables that tools/linguist_gen.cpp compiled from
// linguist's data (see linguist_data.h).
#include "sluice/ingest/language.h"

#include <algorithm>
#include <array>
#include <bitset>
#include <cctype>
#include <stdexcept>
#include <unordered_map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "encoding.h"
#include "linguist_data.h"
#include "pcre_regex.h"
#include "required_text.h"

namespace sluice::ingest {
namespace {

namespace ld = linguist;

// linguist's heuristics look at the first 50 KB (HEURISTICS_CONSIDER_BYTES).
constexpr std::size_t kHeuristicBytes = 50 * 1024;

using Candidates = std::vector<std::uint16_t>;

Candidates lookup(std::span<const ld::Key> table, std::string_view key) {
  const auto first = std::lower_bound(table.begin(), table.end(), key,
                                      [](const ld::Key& entry, std::string_view k) { return ld::text(entry.key) < k; });
  Candidates found;
  for (auto it = first; it != table.end() && ld::text(it->key) == key; ++it) found.push_back(it->language);
  return found;
}

std::string_view basename(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// linguist's Extension strategy: the longest dotted suffix of the name that some language lists
// (".d.ts" before ".ts"), compared in lower case. `matched` receives that suffix.
Candidates by_extension(std::string_view name, std::string& matched) {
  const std::string lowered = lower(name);
  for (std::size_t dot = lowered.find('.', 1); dot != std::string::npos; dot = lowered.find('.', dot + 1)) {
    Candidates found = lookup(ld::kExtensions, std::string_view(lowered).substr(dot));
    if (!found.empty()) {
      matched = lowered.substr(dot);
      return found;
    }
  }
  // A dot file such as ".bashrc" counts as its own extension too.
  if (lowered.size() > 1 && lowered[0] == '.') {
    matched = lowered;
    return lookup(ld::kExtensions, lowered);
  }
  return {};
}

// A mode name in a modeline: letters, digits, _ + - (linguist's [\w+-]+).
std::string_view mode_token(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  std::size_t end = i;
  while (end < text.size() && (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_' ||
                               text[end] == '+' || text[end] == '-')) {
    ++end;
  }
  return text.substr(i, end - i);
}

// The mode an Emacs ("-*- C++ -*-", "-*- mode: ruby; coding: utf-8 -*-") or Vim
// ("vim: set ft=python:", "vi: syntax=sh") modeline names in `lines`, or "".
std::string modeline_mode(std::string_view lines) {
  const std::string lowered = lower(lines);
  if (const auto open = lowered.find("-*-"); open != std::string::npos) {
    const auto close = lowered.find("-*-", open + 3);
    if (close != std::string::npos) {
      const std::string_view inside = std::string_view(lowered).substr(open + 3, close - open - 3);
      if (const auto mode = inside.find("mode:"); mode != std::string_view::npos) return std::string(mode_token(inside.substr(mode + 5)));
      if (inside.find(':') == std::string_view::npos) return std::string(mode_token(inside));
    }
  }
  for (const std::string_view marker : {"vim:", "vi:", "ex:"}) {
    const auto at = lowered.find(marker);
    if (at == std::string::npos) continue;
    const std::string_view rest = std::string_view(lowered).substr(at + marker.size());
    for (const std::string_view key : {"filetype=", "syntax=", "ft="}) {
      const auto found = rest.find(key);
      if (found != std::string_view::npos) return std::string(mode_token(rest.substr(found + key.size())));
    }
  }
  return {};
}

// Every modeline has "-*-" or a ':' right after "vi", "vim" or "ex" (in any case): a scan for
// those spares the lower-case copy of most files' first and last lines.
bool may_have_modeline(std::string_view part) {
  if (part.find("-*-") != std::string_view::npos) return true;
  for (auto colon = part.find(':', 1); colon != std::string_view::npos; colon = part.find(':', colon + 1)) {
    switch (part[colon - 1]) {
      case 'i': case 'I': case 'm': case 'M': case 'x': case 'X': return true;
      default: break;
    }
  }
  return false;
}

// linguist's Modeline strategy: the first and the last five lines may name the language.
Candidates by_modeline(std::string_view content) {
  std::size_t head_end = 0;
  for (int line = 0; line < 5 && head_end < content.size(); ++line) {
    const auto newline = content.find('\n', head_end);
    head_end = newline == std::string_view::npos ? content.size() : newline + 1;
  }
  std::size_t tail_start = content.size();
  for (int line = 0; line < 6 && tail_start > 0; ++line) {
    const auto newline = content.rfind('\n', tail_start - 1);
    tail_start = newline == std::string_view::npos ? 0 : newline;
  }
  for (const std::string_view part : {content.substr(0, std::min<std::size_t>(head_end, 4096)),
                                      content.substr(std::max(tail_start, content.size() > 4096 ? content.size() - 4096 : 0))}) {
    if (!may_have_modeline(part)) continue;
    const std::string mode = modeline_mode(part);
    if (!mode.empty()) {
      Candidates found = lookup(ld::kAliases, mode);
      if (!found.empty()) return found;
    }
  }
  return {};
}

// linguist's Shebang strategy: "#!/usr/bin/env python3.11" names interpreter "python3".
Candidates by_shebang(std::string_view content) {
  if (!content.starts_with("#!")) return {};
  const auto end = content.find('\n');
  const std::string_view line = content.substr(2, end == std::string_view::npos ? std::string_view::npos : end - 2);
  std::vector<std::string_view> words;
  for (std::size_t i = 0; i < line.size();) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  if (words.empty()) return {};
  std::size_t at = 0;
  std::string_view script = basename(words[at]);
  if (script == "env") {
    ++at;
    // Skip env's options and VAR=value assignments.
    while (at < words.size() && (words[at].starts_with('-') || words[at].find('=') != std::string_view::npos)) ++at;
    if (at >= words.size()) return {};
    script = basename(words[at]);
  }
  std::string name(script);
  // "python3.11" -> "python3": linguist strips a trailing ".digits" version.
  const auto dot = name.rfind('.');
  if (dot != std::string::npos && dot + 1 < name.size() &&
      std::all_of(name.begin() + static_cast<std::ptrdiff_t>(dot) + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    name.resize(dot);
  }
  Candidates found = lookup(ld::kInterpreters, name);
  if (found.empty()) {
    // "python3" is listed; "python3.11" became it above. "perl5" is not: try without digits.
    while (!name.empty() && name.back() >= '0' && name.back() <= '9') name.pop_back();
    found = lookup(ld::kInterpreters, name);
  }
  return found;
}

// Heuristic patterns compile on first use: most runs touch a handful of extensions. Each keeps the
// texts one of which any match contains: a memmem for those rules most files out before the regex
// engine scans them (C headers against the C++ and Objective-C patterns: 3x faster).
class HeuristicPatterns {
 public:
  struct Pattern {
    Regex regex;
    TextSet texts;
    explicit Pattern(std::string_view source) : regex(source), texts(required_texts(source)) {}
    bool search(std::string_view valid_utf8) const { return texts.found_in(valid_utf8) && regex.search_valid_utf8(valid_utf8); }
  };
  HeuristicPatterns() : patterns_(ld::kClausePatterns.size()), once_(ld::kClausePatterns.size()) {}
  const Pattern& pattern(std::size_t i) {
    std::call_once(once_[i], [&] { patterns_[i] = std::make_unique<Pattern>(ld::text(ld::kClausePatterns[i])); });
    return *patterns_[i];
  }

 private:
  std::vector<std::unique_ptr<Pattern>> patterns_;
  std::vector<std::once_flag> once_;
};

HeuristicPatterns& heuristic_patterns() {
  static HeuristicPatterns patterns;
  return patterns;
}

bool rule_holds(const ld::Rule& rule, std::string_view data) {
  for (std::uint32_t c = rule.first_clause; c < rule.first_clause + rule.clause_count; ++c) {
    const ld::Clause& clause = ld::kClauses[c];
    bool any = false;
    for (std::uint32_t p = clause.first_pattern; p < clause.first_pattern + clause.pattern_count && !any; ++p) {
      any = heuristic_patterns().pattern(p).search(data);
    }
    if (any == clause.negative) return false;
  }
  return true;
}

// The first `limit` bytes of `content`, cut back to a character boundary so that a multi-byte
// character is never split; "" when that prefix is not valid UTF-8.
std::string_view utf8_prefix(std::string_view content, std::size_t limit) {
  if (content.size() > limit) {
    std::size_t end = limit;
    while (end > 0 && (static_cast<unsigned char>(content[end]) & 0xC0) == 0x80) --end;
    content = content.substr(0, end);
  }
  return is_valid_utf8(content) ? content : std::string_view();
}

// linguist's Heuristics strategy: the first disambiguation whose extension ends the file name
// decides, by its first rule that holds.
Candidates by_heuristics(std::string_view name, std::string_view content) {
  const std::string lowered = lower(name);
  for (const auto& group : ld::kDisambiguations) {
    bool applies = false;
    for (std::uint32_t e = group.first_extension; e < group.first_extension + group.extension_count; ++e) {
      if (std::string_view(lowered).ends_with(ld::text(ld::kDisambiguationExtensions[e]))) applies = true;
    }
    if (!applies) continue;
    const std::string_view data = utf8_prefix(content, kHeuristicBytes);
    for (std::uint32_t r = group.first_rule; r < group.first_rule + group.rule_count; ++r) {
      const auto& rule = ld::kRules[r];
      if (!rule_holds(rule, data)) continue;
      return Candidates(ld::kRuleLanguages.begin() + rule.first_language,
                        ld::kRuleLanguages.begin() + rule.first_language + rule.language_count);
    }
    return {};
  }
  return {};
}

// One step of linguist's detect loop: a strategy narrows the candidates when it can.
Candidates narrow(const Candidates& current, const Candidates& found) {
  if (current.empty() || found.empty()) return found.empty() ? current : found;
  Candidates both;
  for (auto language : found) {
    if (std::find(current.begin(), current.end(), language) != current.end()) both.push_back(language);
  }
  return both.empty() ? found : both;
}

std::string_view name_of(std::uint16_t language) { return ld::text(ld::kLanguages[language].name); }

// The lower-case text that any match of `pattern` must contain ("node_modules/" for
// "(^|/)node_modules/"), or "" when no such text is certain. Only characters outside groups and
// classes count, and none that a quantifier may drop; a top-level `|` means there is none.
std::string required_literal(std::string_view pattern) {
  std::string best, run;
  int depth = 0;
  const auto end_run = [&] {
    if (run.size() > best.size()) best = run;
    run.clear();
  };
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      const char e = pattern[++i];
      const bool literal = std::isalnum(static_cast<unsigned char>(e)) == 0;
      if (depth == 0 && literal) run += e;
      else end_run();
      continue;
    }
    switch (c) {
      case '(': ++depth; end_run(); break;
      case ')': --depth; end_run(); break;
      case '[':
        end_run();
        for (++i; i < pattern.size() && pattern[i] != ']'; ++i) {
          if (pattern[i] == '\\') ++i;
        }
        break;
      case '|':
        if (depth == 0) return {};
        break;
      case '?': case '*': case '{':
        if (!run.empty()) run.pop_back();  // the quantified character may be absent
        end_run();
        if (c == '{') while (i < pattern.size() && pattern[i] != '}') ++i;
        break;
      case '+': case '.': case '^': case '$': end_run(); break;
      default:
        if (depth == 0) run += c;
        else end_run();
    }
  }
  end_run();
  return best.size() >= 2 ? lower(best) : std::string();
}

// One of linguist's path-rule lists. A path is first checked for each rule's required text, so
// the regex engine runs only for the few rules that can match: matching 168 vendor rules one by
// one, or as one alternation, costs tens of microseconds per path. The required texts are found
// in one pass over the path: each position's two bytes index the rules whose text starts with
// them (168 std::string::find calls per path were 6% of reading /usr/include).
class PathRules {
 public:
  explicit PathRules(std::span<const ld::String> patterns) : rules_(patterns.size()) {
    if (rules_.size() > kMaxRules) throw std::logic_error("PathRules: too many rules");
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      const auto index = static_cast<std::uint16_t>(i);
      rules_[i].pattern = ld::text(patterns[i]);
      rules_[i].literal = required_literal(rules_[i].pattern);
      const std::string& literal = rules_[i].literal;
      if (literal.empty()) {
        unfiltered_.push_back(index);
      } else {
        const std::uint16_t key = pair_key(literal[0], literal[1]);
        has_pair_[key / 64] |= std::uint64_t{1} << (key % 64);
        by_pair_[key].push_back(index);
      }
    }
  }
  bool match(std::string_view path) const {
    const std::string lowered = lower(path);
    std::bitset<kMaxRules> tried;
    const auto holds = [&](std::uint16_t r) {
      if (tried[r]) return false;
      tried.set(r);
      return rules_[r].regex().search(path);
    };
    for (std::size_t i = 0; i + 1 < lowered.size(); ++i) {
      const std::uint16_t key = pair_key(lowered[i], lowered[i + 1]);
      if ((has_pair_[key / 64] & (std::uint64_t{1} << (key % 64))) == 0) continue;
      const std::string_view rest = std::string_view(lowered).substr(i);
      for (const std::uint16_t r : by_pair_.at(key)) {
        if (rest.starts_with(rules_[r].literal) && holds(r)) return true;
      }
    }
    for (const std::uint16_t r : unfiltered_) {
      if (holds(r)) return true;
    }
    return false;
  }

 private:
  static constexpr std::size_t kMaxRules = 1024;
  static std::uint16_t pair_key(char a, char b) {
    return static_cast<std::uint16_t>((static_cast<unsigned char>(a) << 8) | static_cast<unsigned char>(b));
  }
  // A rule's regex is compiled (and JIT-compiled) the first time its text is found in a path:
  // compiling all of linguist's path rules up front was a tenth of a small repository's run.
  struct Rule {
    std::string_view pattern;
    std::string literal;  // lower case; empty or at least 2 bytes
    const Regex& regex() const {
      std::call_once(once, [&] { compiled = std::make_unique<Regex>(pattern); });
      return *compiled;
    }
    mutable std::once_flag once;
    mutable std::unique_ptr<Regex> compiled;
  };
  std::vector<Rule> rules_;
  std::vector<std::uint16_t> unfiltered_;
  std::array<std::uint64_t, 65536 / 64> has_pair_{};
  std::unordered_map<std::uint16_t, std::vector<std::uint16_t>> by_pair_;
};

}  // namespace

std::string_view detect_language(std::string_view path, std::string_view content) {
  const std::string_view name = basename(path);
  Candidates candidates = by_modeline(content);
  if (candidates.size() == 1) return name_of(candidates[0]);
  candidates = narrow(candidates, lookup(ld::kFilenames, name));
  if (candidates.size() == 1) return name_of(candidates[0]);
  candidates = narrow(candidates, by_shebang(content));
  if (candidates.size() == 1) return name_of(candidates[0]);
  std::string extension;
  candidates = narrow(candidates, by_extension(name, extension));
  if (candidates.size() == 1) return name_of(candidates[0]);
  candidates = narrow(candidates, by_heuristics(name, content));
  if (candidates.empty()) return {};
  // Where linguist would ask its statistical classifier, prefer the language whose primary (first
  // listed) extension this is: .mpl is Maple's own and only one of JetBrains MPS's.
  for (const auto language : candidates) {
    if (!extension.empty() && extension == ld::text(ld::kLanguages[language].primary_extension)) return name_of(language);
  }
  return name_of(candidates[0]);
}

std::string_view language_type(std::string_view language) {
  for (const auto& entry : ld::kLanguages) {
    if (language == ld::text(entry.name)) {
      switch (entry.type) {
        case ld::LanguageType::kProgramming: return "programming";
        case ld::LanguageType::kMarkup: return "markup";
        case ld::LanguageType::kData: return "data";
        case ld::LanguageType::kProse: return "prose";
      }
    }
  }
  return {};
}

bool is_vendored_path(std::string_view path) {
  static const PathRules rules(ld::kVendorPatterns);
  return rules.match(path);
}

bool is_documentation_path(std::string_view path) {
  static const PathRules rules(ld::kDocumentationPatterns);
  return rules.match(path);
}

bool is_generated_path(std::string_view path) {
  static const PathRules rules(ld::kGeneratedPatterns);
  return rules.match(path);
}

}  // namespace sluice::ingest
