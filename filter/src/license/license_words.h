#pragma once
// The cheap gate before license matching: does a text hold one of the words every license text
// and license header has (license/licence, permission, copyright; all lower or all upper case)?
// Every source file's head goes through it, so it scans 32 bytes per step where AVX2 is there.
#include <string_view>

namespace sluice::filter::license {

bool has_license_word(std::string_view text);

}  // namespace sluice::filter::license
