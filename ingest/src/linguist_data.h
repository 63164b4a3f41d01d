#pragma once
// Tables compiled from GitHub linguist's data files by tools/linguist_gen.cpp at build time
// (languages.yml, heuristics.yml, vendor.yml, documentation.yml, generated.rb). Regular
// expressions are already translated from Ruby's dialect to PCRE2's and checked to compile.
//
// The tables hold no pointers: every string is in one blob, kStrings, and a table holds its
// offset and size there. In a position-independent executable each pointer in a table is a
// relocation that the dynamic loader writes, copying the page it is on, at every start: with
// pointers these tables were 6,100 relocations over 84 KB, paid by every command, including those
// that never look at a language.
#include <cstdint>
#include <span>
#include <string_view>

namespace sluice::ingest::linguist {

// Every string of the tables, each followed by a NUL (none contains one).
extern const char kStrings[];

// Where one string of the tables lies in kStrings.
struct String {
  std::uint32_t offset, size;
};

// The string `s`; its data() is a NUL-terminated C string too.
inline std::string_view text(String s) { return {kStrings + s.offset, s.size}; }

enum class LanguageType : std::uint8_t { kProgramming, kMarkup, kData, kProse };

struct Language {
  String name;
  LanguageType type;
  String primary_extension;  // the first one languages.yml lists ("" if none), lower case
};

// One (key, language) pair; a key with several languages has several consecutive entries.
// Sorted by key (byte order of text(key)), then by language index.
struct Key {
  String key;
  std::uint16_t language;
};

// One condition of a heuristic rule: one of its patterns must match (or, negative, none may).
// linguist writes such a list as one union; kept apart, each pattern keeps PCRE2's start-up
// optimisations (required characters), which a union loses: 6x faster on C++ headers.
struct Clause {
  std::uint32_t first_pattern, pattern_count;  // into kClausePatterns
  bool negative;
};

// A heuristic rule: when every clause holds (a rule with no clause always holds), the file is one
// of the rule's languages.
struct Rule {
  std::uint32_t first_language, language_count;  // into kRuleLanguages
  std::uint32_t first_clause, clause_count;        // into kClauses
};

// The rules for a group of extensions, tried in order.
struct Disambiguation {
  std::uint32_t first_extension, extension_count;  // into kDisambiguationExtensions
  std::uint32_t first_rule, rule_count;            // into kRules
};

extern const std::span<const Language> kLanguages;
extern const std::span<const Key> kExtensions;    // lower case, with the dot: ".h", ".d.ts"
extern const std::span<const Key> kFilenames;     // exact base names: "Makefile", ".bashrc"
extern const std::span<const Key> kInterpreters;  // "python3", "node"
extern const std::span<const Key> kAliases;       // lower case names and aliases: "c++", "cpp", "python"
extern const std::span<const String> kDisambiguationExtensions;
extern const std::span<const Disambiguation> kDisambiguations;
extern const std::span<const Rule> kRules;
extern const std::span<const std::uint16_t> kRuleLanguages;
extern const std::span<const Clause> kClauses;
extern const std::span<const String> kClausePatterns;
extern const std::span<const String> kVendorPatterns;
extern const std::span<const String> kDocumentationPatterns;
extern const std::span<const String> kGeneratedPatterns;

}  // namespace sluice::ingest::linguist
