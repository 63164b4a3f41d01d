#pragma once
// Small text helpers several stages need.
#include <cstddef>
#include <string>
#include <string_view>

namespace sluice {

// Appends `code` as UTF-8; surrogates and values past U+10FFFF become U+FFFD.
void append_utf8(std::string& out, char32_t code);

// ASCII lower case (bytes >= 0x80 unchanged), for case-insensitive matching of names and tags.
std::string ascii_lower(std::string_view text);

// Levenshtein distance, for "did you mean ...?" suggestions.
std::size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace sluice
