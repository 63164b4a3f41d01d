#pragma once
// Small text helpers several stages need.
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

// Appends `code` as UTF-8; surrogates and values past U+10FFFF become U+FFFD.
void append_utf8(std::string& out, char32_t code);

// Levenshtein distance, for "did you mean ...?" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace sluice
