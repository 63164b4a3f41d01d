#include "encoding.h"

#include <simdjson.h>

#include "sluice/core/text.h"

namespace sluice::ingest {
namespace {

bool utf16_to_utf8(std::string_view raw, bool big_endian, std::string& out) {
  if (raw.size() % 2 != 0) return false;
  out.clear();
  out.reserve(raw.size());
  const auto unit = [&](std::size_t i) -> char32_t {
    const auto a = static_cast<unsigned char>(raw[i]);
    const auto b = static_cast<unsigned char>(raw[i + 1]);
    return big_endian ? static_cast<char32_t>((a << 8) | b) : static_cast<char32_t>((b << 8) | a);
  };
  for (std::size_t i = 0; i < raw.size(); i += 2) {
    char32_t code = unit(i);
    if (code >= 0xD800 && code <= 0xDBFF) {
      if (i + 3 >= raw.size()) return false;
      const char32_t low = unit(i + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
      i += 2;
    } else if (code >= 0xDC00 && code <= 0xDFFF) {
      return false;
    }
    if (code == 0) return false;  // NULs inside "UTF-16" mean binary after all
    append_utf8(out, code);
  }
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view text) { return simdjson::validate_utf8(text.data(), text.size()); }

Decoded decode_text(std::string_view raw, std::string& converted, std::size_t& text_begin) {
  text_begin = 0;
  if (raw.starts_with("\xef\xbb\xbf")) text_begin = 3;
  if (raw.starts_with("\xff\xfe")) return utf16_to_utf8(raw.substr(2), false, converted) ? Decoded::kConverted : Decoded::kInvalid;
  if (raw.starts_with("\xfe\xff")) return utf16_to_utf8(raw.substr(2), true, converted) ? Decoded::kConverted : Decoded::kInvalid;
  return is_valid_utf8(raw.substr(text_begin)) ? Decoded::kUtf8 : Decoded::kInvalid;
}

}  // namespace sluice::ingest
