// Template matching. A text is normalised to word hashes; an exact hash of the whole sequence is
// tried first. Otherwise its word bigrams vote through the bundle's inverted index, which gives,
// for every template, how many of its bigrams the text holds (the pre-filter). For the few
// templates that pass, the region of the text that holds the template is found as the maximum
// sum run (+1 for a position whose bigram is in the template, -1 otherwise), and the region's
// bigram set is compared with the template's by Sørensen–Dice. A match claims its region and the
// search repeats on what is left, so a file with two licenses reports both, and a note after a
// license does not dilute the license's score.
#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "license/bundle.h"
#include "license/expression.h"
#include "license/header_cache.h"
#include "license/license_words.h"
#include "license/normalize.h"
#include "license/region_search.h"
#include "license/vote_counter.h"
#include "sluice/core/hash.h"
#include "sluice/filter/license.h"

namespace sluice::filter {
namespace {

using license::Bundle;
using license::Region;
using license::TextBigrams;

constexpr std::size_t kMaxCandidates = 48;
constexpr std::size_t kMaxRounds = 32;

// Licenses most repositories use. Between two templates that explain a text almost equally,
// the common one is far more likely: an Apache-2.0 file without its appendix is Apache-2.0, not
// Pixar's license (Apache-2.0 without the appendix and with a changed section 6). An exact or
// clearly closer copy of the rare license still wins.
constexpr double kCommonBonus = 0.05;
bool is_common(std::string_view id) {
  static constexpr std::array<std::string_view, 18> kCommon = {
      "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "GPL-2.0-only", "GPL-3.0-only", "LGPL-2.1-only",
      "LGPL-3.0-only", "AGPL-3.0-only", "MPL-2.0", "ISC", "Unlicense", "BSL-1.0", "Zlib", "EPL-2.0", "CC0-1.0",
      "0BSD", "MIT-0"};
  return std::find(kCommon.begin(), kCommon.end(), id) != kCommon.end();
}

TextBigrams number_bigrams(const std::vector<std::uint32_t>& keys) {
  TextBigrams out;
  out.ids.resize(keys.size());
  // Open addressing over the keys' low bits (they are hashes already), at most half full. The
  // table is the thread's, all empty between calls (only the slots used are emptied again): a
  // header's table is small, but a fresh one cost an allocation and a clear for every text.
  struct Table {
    std::vector<std::uint32_t> key, id;
    std::vector<std::size_t> used;
  };
  thread_local Table table;
  constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
  const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, 2 * keys.size()));
  if (table.id.size() < capacity) {
    table.key.resize(capacity);
    table.id.resize(capacity, kEmpty);
  }
  for (std::size_t p = 0; p < keys.size(); ++p) {
    std::size_t slot = keys[p] & (capacity - 1);
    while (table.id[slot] != kEmpty && table.key[slot] != keys[p]) slot = (slot + 1) & (capacity - 1);
    if (table.id[slot] == kEmpty) {
      table.key[slot] = keys[p];
      table.id[slot] = static_cast<std::uint32_t>(out.first.size());
      table.used.push_back(slot);
      out.first.push_back(p);
    }
    out.ids[p] = table.id[slot];
  }
  for (const auto slot : table.used) table.id[slot] = kEmpty;
  table.used.clear();
  return out;
}

// Per template, how many of the text's distinct bigrams it holds: sparse keys walk their
// postings; dense keys add their bitsets to a SlicedCounter, so a key in 600 templates costs a
// few vector operations, not 600 increments.
std::vector<std::uint32_t> count_votes(const Bundle& bundle, const std::vector<std::uint32_t>& index_of) {
  std::vector<std::uint32_t> votes(bundle.templates().size(), 0);
  std::vector<const std::uint64_t*> dense;
  for (const auto idx : index_of) {
    if (idx == Bundle::kAbsent) continue;
    if (const std::uint64_t* set = bundle.dense_set(idx)) {
      dense.push_back(set);
    } else {
      for (auto t : bundle.postings(idx)) ++votes[t];
    }
  }
  if (dense.empty()) return votes;
  license::SlicedCounter counter(bundle.set_words(), dense.size());
  for (const auto* set : dense) counter.add(set);
  counter.add_to(votes);
  return votes;
}

void add_unique(std::vector<LicenseMatch>& matches, LicenseMatch match) {
  for (auto& existing : matches) {
    if (existing.spdx == match.spdx) {
      existing.confidence = std::max(existing.confidence, match.confidence);
      return;
    }
  }
  matches.push_back(std::move(match));
}

void add_unique(TextLicense& result, LicenseMatch match) { add_unique(result.matches, std::move(match)); }

// Well-known notices that name a license without holding its text (file headers).
struct Notice {
  const char* spdx;
  std::vector<const char*> phrases;  // all must occur
};

const std::vector<Notice>& notices() {
  static const std::vector<Notice> kNotices = {
      {"Apache-2.0", {"licensed under the apache license version 2 0"}},
      {"MPL-2.0", {"subject to the terms of the mozilla public license v 2 0"}},
      {"EPL-2.0", {"terms of the eclipse public license 2 0"}},
      {"EPL-2.0", {"terms of the eclipse public license v2 0"}},
      {"EPL-1.0", {"terms of the eclipse public license v1 0"}},
      {"AGPL-3.0-or-later", {"gnu affero general public license", "version 3 of the license or at your option any later version"}},
      {"LGPL-2.1-or-later", {"gnu lesser general public license", "version 2 1 of the license or at your option any later version"}},
      {"LGPL-3.0-or-later", {"gnu lesser general public license", "version 3 of the license or at your option any later version"}},
      {"LGPL-2.0-or-later", {"gnu library general public license", "version 2 of the license or at your option any later version"}},
      {"GPL-2.0-or-later", {"gnu general public license", "version 2 of the license or at your option any later version"}},
      {"GPL-3.0-or-later", {"gnu general public license", "version 3 of the license or at your option any later version"}},
      {"GPL-2.0-only", {"gnu general public license version 2 as published by the free software foundation"}},
      {"GPL-3.0-only", {"gnu general public license version 3 as published by the free software foundation"}},
      {"MIT", {"licensed under the mit license"}},
      {"MIT", {"released under the mit license"}},
      {"MIT", {"under the terms of the mit license"}},
  };
  return kNotices;
}

// The notices' phrases as word hashes, and a one-word filter: bucket (h % 64) lists the phrases
// whose first word is h, so a text is read once and a phrase compared only where it may start.
struct NoticeTable {
  std::vector<std::vector<std::uint64_t>> phrases;                 // every notice's, in order
  std::vector<std::pair<std::string, std::uint64_t>> notices;      // spdx, its phrases as a mask
  std::array<std::vector<std::size_t>, 64> starting;               // by first word % 64: phrases, in order
};

const NoticeTable& notice_table() {
  static const auto kTable = [] {
    NoticeTable table;
    for (const auto& notice : notices()) {
      std::uint64_t mask = 0;
      for (const char* p : notice.phrases) {
        mask |= std::uint64_t{1} << table.phrases.size();
        table.phrases.push_back(license::normalize_license_text(p, false).words);
        table.starting[table.phrases.back().front() % 64].push_back(table.phrases.size() - 1);
      }
      table.notices.emplace_back(notice.spdx, mask);
    }
    if (table.phrases.size() > 64) throw std::logic_error("more than 64 notice phrases");
    return table;
  }();
  return kTable;
}

void find_notices_in(const std::vector<std::uint64_t>& words, TextLicense& result) {
  const auto& table = notice_table();
  std::uint64_t found = 0;  // bit k: phrase k occurs in the words
  for (std::size_t p = 0; p < words.size(); ++p) {
    for (const auto k : table.starting[words[p] % 64]) {
      const auto& phrase = table.phrases[k];
      if (phrase.front() != words[p] || phrase.size() > words.size() - p) continue;
      if (std::equal(phrase.begin() + 1, phrase.end(), words.begin() + static_cast<std::ptrdiff_t>(p + 1))) found |= std::uint64_t{1} << k;
    }
  }
  for (const auto& [spdx, mask] : table.notices) {
    if ((found & mask) == mask) {
      // "-or-later" notices also hold the "-only" phrase's words only when they say so; an
      // or-later verdict makes the -only one redundant.
      add_unique(result, {spdx, 0.95, "notice"});
    }
  }
  auto has = [&](const char* id) {
    return std::any_of(result.matches.begin(), result.matches.end(), [&](const LicenseMatch& m) { return m.spdx == id; });
  };
  if (has("LGPL-2.1-or-later") || has("LGPL-3.0-or-later") || has("LGPL-2.0-or-later") || has("AGPL-3.0-or-later")) {
    std::erase_if(result.matches, [](const LicenseMatch& m) { return m.spdx.starts_with("GPL-"); });
  }
}

void find_notices(std::string_view text, TextLicense& result) {
  find_notices_in(license::normalize_license_text(text, false).words, result);
}

bool is_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '+' || c == ':';
}

// "SPDX-License-Identifier: MIT OR Apache-2.0" -> the expression, canonicalised; empty if malformed.
std::string parse_identifier_line(std::string_view rest) {
  std::string expression;
  std::size_t i = 0;
  int depth = 0;
  while (i < rest.size()) {
    const char c = rest[i];
    if (c == ' ' || c == '\t' || (c == '|' && expression.empty())) {  // "| SPDX-License-Identifier: | MIT |"
      ++i;
      continue;
    }
    if (c == '(' || c == ')') {
      depth += c == '(' ? 1 : -1;
      if (depth < 0) break;
      expression += c;
      ++i;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c))) break;  // "-->", "*/", quotes end the expression
    std::size_t j = i;
    while (j < rest.size() && is_id_char(rest[j])) ++j;
    std::string token(rest.substr(i, j - i));
    i = j;
    std::string upper = token;
    for (auto& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (upper == "AND" || upper == "OR" || upper == "WITH") {
      token = upper;
    } else {
      token = canonical_spdx_id(token);
    }
    if (!expression.empty() && expression.back() != '(') expression += ' ';
    expression += token;
  }
  // Closing parentheses were appended right after a space; tidy "( MIT )" spacing.
  std::string tidy;
  for (std::size_t k = 0; k < expression.size(); ++k) {
    if (expression[k] == ' ' && k + 1 < expression.size() && expression[k + 1] == ')') continue;
    tidy += expression[k];
  }
  if (depth != 0 || tidy.empty() || tidy.ends_with("AND") || tidy.ends_with("OR") || tidy.ends_with("WITH")) return {};
  return tidy;
}

// parse_identifier_line, remembered per thread: the files of a project repeat one or two lines.
const std::string& parsed_identifier_line(std::string_view rest) {
  thread_local std::unordered_map<std::string, std::string> parsed;
  if (parsed.size() > 1024) parsed.clear();  // a tree with many distinct lines: keep memory bounded
  auto it = parsed.find(std::string(rest));
  if (it == parsed.end()) it = parsed.emplace(std::string(rest), parse_identifier_line(rest)).first;
  return it->second;
}

// Every SPDX-License-Identifier line of a text, canonicalised.
std::vector<std::string> identifier_lines(std::string_view text) {
  std::vector<std::string> out;
  constexpr std::string_view kTag = license::kIdentifierTag;
  for (auto at = license::find_identifier_tag(text, 0); at != std::string_view::npos;
       at = license::find_identifier_tag(text, at + kTag.size())) {
    auto line_end = text.find('\n', at);
    if (line_end == std::string_view::npos) line_end = text.size();
    const auto& expression = parsed_identifier_line(text.substr(at + kTag.size(), line_end - at - kTag.size()));
    if (!expression.empty() && std::find(out.begin(), out.end(), expression) == out.end()) out.push_back(expression);
  }
  return out;
}

// Words after which a license text speaks of code the project bundles, not of the project.
bool third_party_marker(const std::vector<std::uint64_t>& words, std::size_t p) {
  static const std::array<std::uint64_t, 6> kSingle = {
      license::word_hash("bundled"), license::word_hash("bundles"), license::word_hash("thirdparty"),
      license::word_hash("vendored"), license::word_hash("dependencies"), license::word_hash("redistributed")};
  static const std::uint64_t third = license::word_hash("third"), third_digit = license::word_hash("3rd"),
                             party = license::word_hash("party");
  if (std::find(kSingle.begin(), kSingle.end(), words[p]) != kSingle.end()) return true;
  return (words[p] == third || words[p] == third_digit) && p + 1 < words.size() && words[p + 1] == party;
}

std::string join_matches(const std::vector<LicenseMatch>& matches, const char* op) {
  std::string out;
  for (const auto& m : matches) {
    if (!out.empty()) out += op;
    const bool compound = matches.size() > 1 && (m.spdx.find(" OR ") != std::string::npos || m.spdx.find(" AND ") != std::string::npos);
    out += compound ? "(" + m.spdx + ")" : m.spdx;
  }
  return out;
}

}  // namespace

std::string canonical_spdx_id(std::string_view id) {
  std::string s(id);
  for (const char* family : {"GPL-", "LGPL-", "AGPL-", "GFDL-"}) {
    if (!s.starts_with(family)) continue;
    const auto rest = std::string_view(s).substr(std::string_view(family).size());
    // Only the bare "N.M" and "N.M+" forms are deprecated.
    if (rest.size() < 3 || rest.size() > 4 || !std::isdigit(static_cast<unsigned char>(rest[0])) || rest[1] != '.' ||
        !std::isdigit(static_cast<unsigned char>(rest[2])))
      return s;
    if (rest.size() == 4) return rest[3] == '+' ? s.substr(0, s.size() - 1) + "-or-later" : s;
    return s + "-only";
  }
  return s;
}

std::string TextLicense::expression() const {
  if (matches.empty()) return kNoLicense;
  return join_matches(matches, alternatives ? " OR " : " AND ");
}

std::string TextLicense::all_expression() const {
  if (bundled.empty()) return expression();
  std::vector<LicenseMatch> extra;
  for (const auto& b : bundled) {
    const bool own = std::any_of(matches.begin(), matches.end(), [&](const LicenseMatch& m) { return m.spdx == b.spdx; });
    const bool seen = std::any_of(extra.begin(), extra.end(), [&](const LicenseMatch& m) { return m.spdx == b.spdx; });
    if (!own && !seen) extra.push_back(b);
  }
  if (matches.empty()) return join_matches(extra, " AND ");
  if (extra.empty()) return expression();
  const auto own = expression();
  return (alternatives && matches.size() > 1 ? "(" + own + ")" : own) + " AND " + join_matches(extra, " AND ");
}

double TextLicense::confidence() const {
  if (matches.empty()) return 0;
  double c = 1.0;
  for (const auto& m : matches) c = std::min(c, m.confidence);
  return c;
}

namespace {

// The votes template t needs to be a candidate: the least integer v with v >= floor * bigrams
// (the same comparison as in doubles), computed once per thread and floor.
const std::vector<std::uint32_t>& needed_votes(const Bundle& bundle, double floor) {
  thread_local double cached_floor = -1;
  thread_local std::vector<std::uint32_t> needed;
  if (floor != cached_floor) {
    needed.clear();
    for (const auto& t : bundle.templates()) needed.push_back(static_cast<std::uint32_t>(std::ceil(floor * t.bigrams)));
    cached_floor = floor;
  }
  return needed;
}

// The first template whose normalised text is exactly the text's, or kNoTemplate: through an
// open-addressing table of the bundle's exact hashes, built once (in template order, so that
// the probe meets equal hashes lowest template first).
constexpr std::size_t kNoTemplate = ~std::size_t{0};
std::size_t exact_template(const Bundle& bundle, const license::NormalizedText& normalized) {
  const auto templates = bundle.templates();
  static const auto kSlots = [&] {
    const std::size_t capacity = std::bit_ceil(2 * templates.size() + 1);
    std::vector<std::size_t> slots(capacity, kNoTemplate);
    for (std::size_t t = 0; t < templates.size(); ++t) {
      std::size_t slot = templates[t].exact_hash & (capacity - 1);
      while (slots[slot] != kNoTemplate) slot = (slot + 1) & (capacity - 1);
      slots[slot] = t;
    }
    return slots;
  }();
  const std::size_t mask = kSlots.size() - 1;
  for (std::size_t slot = normalized.exact_hash & mask; kSlots[slot] != kNoTemplate; slot = (slot + 1) & mask) {
    const auto& t = templates[kSlots[slot]];
    if (t.exact_hash == normalized.exact_hash && t.words == normalized.words.size()) return kSlots[slot];
  }
  return kNoTemplate;
}

// The templates whose votes reach what they need, in template order: eight compared at a time.
std::vector<std::uint16_t> reaching(const std::vector<std::uint32_t>& votes, const std::vector<std::uint32_t>& needed) {
  std::vector<std::uint16_t> out;
  std::size_t t = 0;
#if defined(__AVX2__)
  for (; t + 8 <= votes.size(); t += 8) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(votes.data() + t));
    const __m256i n = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(needed.data() + t));
    // votes >= needed, unsigned: max(votes, needed) == votes
    auto mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_max_epu32(v, n), v))));
    for (; mask != 0; mask &= mask - 1) out.push_back(static_cast<std::uint16_t>(t + static_cast<std::size_t>(std::countr_zero(mask))));
  }
#endif
  for (; t < votes.size(); ++t) {
    if (votes[t] >= needed[t]) out.push_back(static_cast<std::uint16_t>(t));
  }
  return out;
}

// The matcher proper, on a text already normalised (`text` is the raw text, for its
// SPDX-License-Identifier lines).
TextLicense match_normalized(std::string_view text, const license::NormalizedText& normalized, const LicenseOptions& options) {
  const auto& bundle = Bundle::get();
  const auto templates = bundle.templates();
  TextLicense result;
  const auto& words = normalized.words;
  if (words.empty()) return result;
  if (const auto t = exact_template(bundle, normalized); t != kNoTemplate) {
    result.matches.push_back({std::string(bundle.id(t)), 1.0, "exact"});
    return result;
  }
  if (words.size() < 2) {
    result.unmatched_words = words.size();
    return result;
  }
  std::vector<std::uint32_t> keys(words.size() - 1);
  for (std::size_t p = 0; p + 1 < words.size(); ++p) keys[p] = license::bigram_key(words[p], words[p + 1]);
  // Each distinct bigram looked up once; index_of[d] is its place in the bundle or kAbsent.
  const TextBigrams numbered = number_bigrams(keys);
  std::vector<std::uint32_t> distinct_keys(numbered.distinct()), index_of(numbered.distinct());
  for (std::size_t d = 0; d < numbered.distinct(); ++d) distinct_keys[d] = keys[numbered.first[d]];
  bundle.find_all(distinct_keys, index_of);
  // Pre-filter: per template, the distinct bigrams of the text it holds.
  const std::vector<std::uint32_t> votes = count_votes(bundle, index_of);
  // A template can only reach the threshold if the text holds most of its bigrams: a region's
  // matched bigrams are at most the template's votes v, and its distinct bigrams at least those,
  // so its Dice is at most 2v / (v + T), which reaches the threshold only from this share of T.
  const double floor = options.threshold / (2.0 - options.threshold);
  const auto& needed = needed_votes(bundle, floor);
  std::vector<std::uint16_t> candidates = reaching(votes, needed);
  // Closest first by the share of the template's bigrams the text holds, so that a short text
  // (an exception, a zlib notice) inside a long file still makes the list.
  std::sort(candidates.begin(), candidates.end(), [&](std::uint16_t a, std::uint16_t b) {
    const auto share_a = static_cast<std::uint64_t>(votes[a]) * templates[b].bigrams;
    const auto share_b = static_cast<std::uint64_t>(votes[b]) * templates[a].bigrams;
    return share_a != share_b ? share_a > share_b : a < b;
  });
  if (candidates.size() > kMaxCandidates) candidates.resize(kMaxCandidates);

  std::vector<std::uint8_t> claimed(keys.size(), 0);
  static const bool debug = std::getenv("SLUICE_LICENSE_DEBUG") != nullptr;  // explains each decision
  struct Found {
    std::size_t begin;
    std::uint16_t t;
    LicenseMatch match;
    bool bundled = false;
    bool merged = false;  // an exception folded into its license
  };
  std::vector<Found> found;
  // Which distinct bigrams are each candidate's: a bit of a dense key's set, or a walk over a
  // sparse key's few postings.
  std::vector<license::CandidateTemplate> shapes;
  for (const auto t : candidates) shapes.push_back({t, templates[t].words, templates[t].bigrams});
  license::RegionSearch search(numbered, std::move(shapes));
  if (!candidates.empty()) {
    std::vector<int> candidate_of(templates.size(), -1);
    for (std::size_t c = 0; c < candidates.size(); ++c) candidate_of[candidates[c]] = static_cast<int>(c);
    for (std::uint32_t d = 0; d < numbered.distinct(); ++d) {
      if (index_of[d] == Bundle::kAbsent) continue;
      if (const std::uint64_t* set = bundle.dense_set(index_of[d])) {
        search.set_members(d, set);
        continue;
      }
      for (auto t : bundle.postings(index_of[d])) {
        if (const int c = candidate_of[t]; c >= 0) search.set_member(static_cast<std::size_t>(c), d);
      }
    }
  }
  // A candidate's best region stays the best while the claimed positions stay outside it, so it
  // is computed again only when a round claims part of it.
  std::vector<Region> regions(candidates.size());
  std::vector<bool> stale(candidates.size(), true);
  std::vector<std::size_t> searched;
  std::size_t unclaimed = keys.size();
  for (std::size_t round = 0; round < kMaxRounds && !candidates.empty(); ++round) {
    searched.clear();
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      if (!stale[c]) continue;
      stale[c] = false;
      // The region lies in unclaimed positions, so it cannot hold more of the template's
      // bigrams than there are unclaimed positions (the same bound as the floor above).
      if (static_cast<double>(unclaimed) >= floor * templates[candidates[c]].bigrams) searched.push_back(c);
      else regions[c] = Region{};
    }
    search.find(claimed, searched, regions);
    // The accepted region that explains the most of the text wins this round: a license plus
    // its exception beats the license alone, BSD-3-Clause beats the BSD-2-Clause inside it.
    std::size_t best = candidates.size();
    Region best_region_found;
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      Region region = regions[c];
      if (debug) {
        std::fprintf(stderr, "license: round %zu %-24s votes %u/%u region [%zu,%zu) matched %zu dice %.4f foreign %.4f\n", round,
                     std::string(bundle.id(candidates[c])).c_str(), votes[candidates[c]], templates[candidates[c]].bigrams,
                     region.begin, region.end, region.matched, region.dice, region.foreign);
      }
      if (region.dice < options.threshold) continue;
      // A region that explains clearly more (5%) wins; between near-equal regions (MIT and its
      // variants) the closer text does.
      const auto more = [](const Region& a, const Region& b) {
        return static_cast<double>(a.matched) > 1.05 * static_cast<double>(b.matched);
      };
      region.prior = is_common(bundle.id(candidates[c])) ? kCommonBonus : 0.0;
      if (best == candidates.size() || more(region, best_region_found) ||
          (!more(best_region_found, region) && region.rank() > best_region_found.rank())) {
        best = c;
        best_region_found = region;
      }
    }
    if (best == candidates.size()) break;
    const auto t = candidates[best];
    for (std::size_t p = best_region_found.begin; p < best_region_found.end; ++p) {
      unclaimed -= claimed[p] ? 0 : 1;
      claimed[p] = 1;
    }
    for (std::size_t c = 0; c < candidates.size(); ++c) {
      const auto& r = regions[c];
      if (r.begin < best_region_found.end && best_region_found.begin < r.end) stale[c] = true;
    }
    found.push_back({best_region_found.begin, t,
                     {std::string(bundle.id(t)), std::round(best_region_found.dice * 1000) / 1000, "dice"}});
  }
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.begin < b.begin; });
  // Licenses after words such as "bundled" or "third-party" (outside every matched text) are
  // those of code the project ships, not the project's own.
  std::size_t first_marker = claimed.size();
  for (std::size_t p = 0; p < claimed.size() && !found.empty(); ++p) {
    if (!claimed[p] && third_party_marker(words, p)) {
      first_marker = p;
      break;
    }
  }
  for (auto& f : found) f.bundled = f.begin > first_marker;
  // An exception's text beside its license's text: "GPL-2.0-only WITH GCC-exception-2.0".
  for (auto& e : found) {
    if (!(templates[e.t].flags & license::kException)) continue;
    const auto with = e.match.spdx.find(" WITH ");
    const auto family = license::license_family(e.match.spdx);
    for (auto& l : found) {
      if (&l == &e || l.merged || l.bundled != e.bundled || (templates[l.t].flags & license::kException) ||
          license::license_family(l.match.spdx) != family) {
        continue;
      }
      l.match.spdx += e.match.spdx.substr(with);
      l.match.confidence = std::min(l.match.confidence, e.match.confidence);
      e.merged = true;
      break;
    }
  }
  std::erase_if(found, [](const Found& f) { return f.merged; });
  // A license file that names its own SPDX expression says what its texts are.
  const auto declared = identifier_lines(text);
  if (!declared.empty()) {
    std::set<std::string> ids;
    for (const auto& d : declared) {
      result.matches.push_back({d, 1.0, "identifier"});
      const auto named = license::expression_ids(d);
      ids.insert(named.begin(), named.end());
    }
    for (auto& f : found) {
      if (!ids.count(std::string(license::license_family(f.match.spdx))) && !ids.count(f.match.spdx)) {
        result.bundled.push_back(std::move(f.match));
      }
    }
    result.unmatched_words = static_cast<std::size_t>(std::count(claimed.begin(), claimed.end(), 0));
    return result;
  }
  for (auto& f : found) add_unique(f.bundled ? result.bundled : result.matches, std::move(f.match));
  // A license file that holds no license text may state one ("either version 3 of the License,
  // or (at your option) any later version").
  if (found.empty()) find_notices_in(words, result);
  if (result.matches.empty() && !result.bundled.empty()) {
    // Every text is a bundled one: the project's terms are a statement before the list
    // ("source code is licensed under the MIT License, except for the third-party components
    // listed below"), or else everything in the file applies.
    std::vector<std::uint64_t> preamble;
    for (std::size_t p = 0; p < first_marker; ++p) {
      if (!claimed[p]) preamble.push_back(words[p]);
    }
    find_notices_in(preamble, result);
    if (result.matches.empty()) std::swap(result.matches, result.bundled);
  }
  if (result.matches.size() == 2) {
    // "ALTERNATIVE A - MIT ... ALTERNATIVE B - Unlicense", "dual-licensed": two licenses offered
    // as a choice. Only words outside the matched texts count. A wrong OR could keep a copyleft
    // file, so only these explicit words and exactly two licenses make one.
    static const std::array<std::uint64_t, 3> kChoice = {
        license::word_hash("alternative"), license::word_hash("alternatively"), license::word_hash("dual")};
    for (std::size_t p = 0; p < claimed.size() && !result.alternatives; ++p) {
      if (!claimed[p] && std::find(kChoice.begin(), kChoice.end(), words[p]) != kChoice.end()) result.alternatives = true;
    }
  }
  result.unmatched_words = static_cast<std::size_t>(std::count(claimed.begin(), claimed.end(), 0));
  return result;
}

// The comment block of a source file that holds its license: the first run of comment lines
// (//, #, --, ;, %, a /* */ or """ block...) that has a license word, with what precedes it, up
// to the end of its last group with a license word. Groups are separated by blank lines between
// comments, not by blank lines inside a block comment nor by marker-only lines ("//", " *"): the
// conditions and disclaimer of a zlib or ISC text have no license word of their own. Cutting
// there keeps the code below and the file's own description ("// This file implements..." after
// a blank line) out of the match, and makes the headers of a repository's files equal after
// normalisation, so that the cache matches each header once. Empty when no comment holds a
// license word (a text file: the caller matches the whole head).
std::string_view license_comment(std::string_view text) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kBlocks = {{
      {"/*", "*/"}, {"<!--", "-->"}, {"\"\"\"", "\"\"\""}, {"'''", "'''"}, {"(*", "*)"}, {"{-", "-}"}, {"=begin", "=end"}}};
  static constexpr std::array<std::string_view, 12> kLineMarkers = {"//", "--", ";", "%", "!", "*", "'", "rem ", "REM ", "::", "..", "dnl"};
  std::string_view close;  // the end marker of the block comment we are in
  bool in_run = false, run_has_word = false, paragraph_has_word = false;
  std::size_t start = 0, cut = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    auto trimmed = line;
    while (!trimmed.empty() && (trimmed.front() == ' ' || trimmed.front() == '\t')) trimmed.remove_prefix(1);
    const bool blank = trimmed.empty() || trimmed == "\r";
    const bool between_comments = blank && close.empty();
    bool comment = !close.empty() || blank;
    if (!close.empty()) {
      if (line.find(close) != std::string_view::npos) close = {};
    } else {
      for (const auto& [open, closer] : kBlocks) {
        if (!trimmed.starts_with(open)) continue;
        comment = true;
        if (trimmed.substr(open.size()).find(closer) == std::string_view::npos) close = closer;
        break;
      }
      for (const auto marker : kLineMarkers) comment = comment || trimmed.starts_with(marker);
      // "# comment" and "#!", not "#include" / "#define"
      if (trimmed.starts_with("#") && (trimmed.size() == 1 || !std::isalpha(static_cast<unsigned char>(trimmed[1])))) comment = true;
    }
    if (between_comments) {
      paragraph_has_word = false;  // the next comment of the run is a new group
    } else if (comment) {
      in_run = true;
      if (license::has_license_word(line)) paragraph_has_word = run_has_word = true;
      if (paragraph_has_word) cut = end;
    } else {
      if (in_run && run_has_word) return text.substr(0, cut);
      in_run = run_has_word = paragraph_has_word = false;
    }
    start = end + 1;
  }
  return in_run && run_has_word ? text.substr(0, cut) : std::string_view();
}

}  // namespace

TextLicense detect_license_text(std::string_view text, const LicenseOptions& options) {
  return match_normalized(text, license::normalize_license_text(text), options);
}

TextLicense detect_file_header(std::string_view text, const LicenseOptions& options) {
  return license::detect_file_header_cached(text, options, nullptr);
}

TextLicense license::detect_file_header_cached(std::string_view text, const LicenseOptions& options, HeaderCache* cache) {
  TextLicense result;
  if (text.size() > options.header_bytes) {
    text = text.substr(0, options.header_bytes);
    if (const auto cut = text.rfind('\n'); cut != std::string_view::npos) text = text.substr(0, cut);
  }
  // Cheap gate first: a header without these words holds no license (nor an identifier line:
  // "SPDX-License-Identifier" has one).
  if (!license::has_license_word(text)) return result;
  // SPDX-License-Identifier lines say it exactly.
  for (auto& expression : identifier_lines(text)) add_unique(result, {std::move(expression), 1.0, "identifier"});
  if (!result.matches.empty()) return result;
  if (const auto comment = license_comment(text); !comment.empty()) text = comment;
  using Key = HeaderCache::Key;
  const std::uint64_t text_hash = cache != nullptr ? xxh3_64(text) : 0;
  if (cache != nullptr && cache->find(Key::kText, text_hash, result)) return result;
  std::vector<std::uint64_t> every_word;  // for notices, which may sit in a title or copyright line
  const auto normalized = license::normalize_license_text(text, true, &every_word);
  if (cache == nullptr || !cache->find(Key::kWords, normalized.exact_hash, result)) {
    result = match_normalized(text, normalized, options);
    if (result.matches.empty()) find_notices_in(every_word, result);
    result.unmatched_words = 0;  // code around a header is not unmatched license text
    if (cache != nullptr) cache->put(Key::kWords, normalized.exact_hash, result);
  }
  if (cache != nullptr) cache->put(Key::kText, text_hash, result);
  return result;
}

TextLicense detect_readme(std::string_view text) {
  TextLicense result;
  // Only the license section, or lines that state a license, are considered.
  std::string section;
  bool in_section = false;
  std::size_t lines_left = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(start, end - start);
    start = end + 1;
    std::string lower(line);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const bool heading = (lower.starts_with("#") || lower.starts_with("license") || lower.starts_with("licence")) &&
                         lower.find("licen") != std::string::npos && lower.size() < 40;
    if (heading) {
      in_section = true;
      lines_left = 12;
      continue;
    }
    if (in_section && lower.starts_with("#")) in_section = false;
    if ((in_section && lines_left-- > 0) || lower.find("licensed under") != std::string::npos ||
        lower.find("released under") != std::string::npos || lower.find("distributed under") != std::string::npos) {
      section.append(line);
      section.push_back('\n');
    }
  }
  if (section.empty()) return result;
  const auto words = license::normalize_license_text(section, false).words;
  // Phrases: each template's full name and its id (an id must be followed by "license" unless it
  // has a digit, so "fair use" never reads as the Fair license).
  const auto& bundle = Bundle::get();
  struct Phrase {
    std::vector<std::uint64_t> words;
    std::size_t t;
  };
  static const auto phrases = [&bundle] {
    std::vector<Phrase> out;
    const auto license_word = license::word_hash("license");
    for (std::size_t t = 0; t < bundle.templates().size(); ++t) {
      const auto id = bundle.id(t);
      if (id.find(" WITH ") != std::string_view::npos) continue;
      auto name = license::normalize_license_text(bundle.string_at(bundle.templates()[t].name), false).words;
      std::erase(name, license::word_hash("version"));
      if (name.size() >= 2) out.push_back({name, t});
      auto id_words = license::normalize_license_text(id, false).words;
      // "GPL-3.0-only" is written "GPL-3.0" in prose.
      if (id.ends_with("-only")) id_words.pop_back();
      const bool has_digit = std::any_of(id.begin(), id.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
      if (!has_digit) id_words.push_back(license_word);
      if (!id_words.empty()) out.push_back({id_words, t});
    }
    std::sort(out.begin(), out.end(), [](const Phrase& a, const Phrase& b) { return a.words.size() > b.words.size(); });
    return out;
  }();
  std::vector<std::uint64_t> cleaned = words;
  std::erase(cleaned, license::word_hash("version"));
  std::erase(cleaned, license::word_hash("v"));
  std::vector<bool> used(cleaned.size(), false);
  for (const auto& phrase : phrases) {
    auto it = std::search(cleaned.begin(), cleaned.end(), phrase.words.begin(), phrase.words.end());
    while (it != cleaned.end()) {
      const auto begin = static_cast<std::size_t>(it - cleaned.begin());
      bool free = true;
      for (std::size_t k = begin; k < begin + phrase.words.size(); ++k) free = free && !used[k];
      // A longer phrase already covering these words wins ("GNU Lesser General Public License"
      // over "General Public License"); the id must not continue with more id words ("BSD 3").
      if (free) {
        for (std::size_t k = begin; k < begin + phrase.words.size(); ++k) used[k] = true;
        add_unique(result, {std::string(bundle.id(phrase.t)), 0.5, "readme"});
      }
      it = std::search(it + 1, cleaned.end(), phrase.words.begin(), phrase.words.end());
    }
  }
  if (result.matches.empty()) find_notices(section, result);
  if (result.matches.size() == 2) {
    // "dual-licensed under MIT or Apache 2.0": a choice; otherwise all of them apply.
    const auto& w = words;
    const bool choice = std::find(w.begin(), w.end(), license::word_hash("or")) != w.end() ||
                        std::find(w.begin(), w.end(), license::word_hash("dual")) != w.end() ||
                        std::find(w.begin(), w.end(), license::word_hash("either")) != w.end();
    std::string combined;
    for (const auto& m : result.matches) combined += (combined.empty() ? "" : choice ? " OR " : " AND ") + m.spdx;
    result.matches = {{combined, 0.5, "readme"}};
  }
  for (auto& m : result.matches) m.confidence = 0.5;
  return result;
}

std::size_t license_template_count() { return Bundle::get().templates().size(); }
std::size_t license_source_count() { return Bundle::get().source_licenses(); }

}  // namespace sluice::filter
