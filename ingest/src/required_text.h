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

// True when `subject` contains one of `texts`, or `texts` is empty.
bool contains_any(std::string_view subject, const std::vector<std::string>& texts);

}  // namespace sluice::ingest
