#pragma once
// Scans that every source file's head goes through: 64 positions per step where AVX2 is there.
#include <cstddef>
#include <string_view>

namespace sluice::filter::license {

// The cheap gate before license matching: does a text hold one of the words every license text
// and license header has (license/licence, permission, copyright; all lower or all upper case)?
bool has_license_word(std::string_view text);

inline constexpr std::string_view kIdentifierTag = "SPDX-License-Identifier:";
// Where kIdentifierTag next starts at or after `from`, or npos.
std::size_t find_identifier_tag(std::string_view text, std::size_t from);

}  // namespace sluice::filter::license
