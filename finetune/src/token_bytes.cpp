#include "token_bytes.h"

#include <simdjson.h>

#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice::finetune {
namespace {

// GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards.
std::vector<int> unicode_to_byte() {
  std::vector<int> table(512, -1);
  int next = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    table[static_cast<std::size_t>(printable ? b : next++)] = b;
  }
  return table;
}

}  // namespace

TokenBytes load_token_bytes(const std::filesystem::path& path) {
  static const std::vector<int> table = unicode_to_byte();
  const std::string text = read_small_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::object vocab;
  if (parser.parse(text).at_pointer("/model/vocab").get_object().get(vocab) != simdjson::SUCCESS) {
    throw Error(path.string() + ": no model.vocab object (expected a Hugging Face BPE tokenizer.json)");
  }
  TokenBytes out;
  for (const auto entry : vocab) {
    std::int64_t id = 0;
    if (entry.value.get_int64().get(id) != simdjson::SUCCESS || id < 0 || id > (1 << 24)) {
      throw Error(path.string() + ": vocab entry '" + std::string(entry.key) + "' has a bad id");
    }
    std::string bytes;
    const std::string_view key = entry.key;
    for (std::size_t i = 0; i < key.size();) {  // decode UTF-8 code points, map each to its byte
      const auto c = static_cast<unsigned char>(key[i]);
      std::uint32_t cp = c;
      std::size_t n = 1;
      if (c >= 0xC0 && c < 0xE0 && i + 1 < key.size()) {
        cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(key[i + 1]) & 0x3Fu);
        n = 2;
      } else if (c >= 0xE0) {
        n = c >= 0xF0 ? 4 : 3;
        cp = 0x10000;  // outside the byte alphabet
      }
      i += n;
      if (cp < table.size() && table[cp] >= 0) bytes.push_back(static_cast<char>(table[cp]));
      else bytes.append(key.substr(i - n, n));  // not byte-level: keep the text as it is
    }
    if (out.bytes.size() <= static_cast<std::size_t>(id)) out.bytes.resize(static_cast<std::size_t>(id) + 1);
    out.bytes[static_cast<std::size_t>(id)] = std::move(bytes);
  }
  simdjson::dom::array added;
  if (parser.parse(text).at_key("added_tokens").get_array().get(added) == simdjson::SUCCESS) {
    for (const auto token : added) {
      std::int64_t id = 0;
      if (token.at_key("id").get_int64().get(id) == simdjson::SUCCESS && id >= 0 && static_cast<std::size_t>(id) < out.bytes.size()) {
        out.bytes[static_cast<std::size_t>(id)].clear();
      }
    }
  }
  return out;
}

std::filesystem::path find_tokenizer(const std::vector<std::filesystem::path>& candidates) {
  for (const auto& c : candidates) {
    if (c.empty()) continue;
    if (std::filesystem::is_regular_file(c)) return c;
    if (std::filesystem::is_regular_file(c / "tokenizer.json")) return c / "tokenizer.json";
  }
  return {};
}

}  // namespace sluice::finetune
