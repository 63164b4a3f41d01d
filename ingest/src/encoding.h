#pragma once
// Text decoding: every document text is valid UTF-8.
#include <string>
#include <string_view>

namespace sluice::ingest {

enum class Decoded {
  kUtf8,       // already valid UTF-8 (a leading BOM is dropped): use the input as is
  kConverted,  // UTF-16 with a BOM, converted into `converted`
  kInvalid,    // not UTF-8 and no BOM that says what it is: cannot be decoded safely
};

// `text_begin` is where the text starts in `raw` for kUtf8 (after a BOM).
Decoded decode_text(std::string_view raw, std::string& converted, std::size_t& text_begin);

bool is_valid_utf8(std::string_view text);

}  // namespace sluice::ingest
