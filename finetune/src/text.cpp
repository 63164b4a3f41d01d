#include "sluice/finetune/text.h"

#include <simdjson.h>

#include <climits>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "token_bytes.h"

namespace sluice::finetune {
namespace {

std::string utf8(std::uint32_t cp) {
  std::string s;
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
  return s;
}

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_letter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
int char_class(unsigned char c) { return is_letter(c) ? 1 : is_digit(c) ? 2 : is_space(c) ? 3 : 4; }

}  // namespace

TextCodec::TextCodec(const std::filesystem::path& path) : path_(path) {
  const std::string text = read_small_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS) throw Error(path.string() + ": not valid JSON");
  simdjson::dom::object vocab;
  if (root.at_pointer("/model/vocab").get_object().get(vocab) != simdjson::SUCCESS) {
    throw Error(path.string() + ": no model.vocab object (expected a byte-level BPE tokenizer.json)");
  }
  for (const auto entry : vocab) {
    std::int64_t id = 0;
    if (entry.value.get_int64().get(id) != simdjson::SUCCESS || id < 0) throw Error(path.string() + ": bad id for '" + std::string(entry.key) + "'");
    vocab_[std::string(entry.key)] = static_cast<std::uint32_t>(id);
  }
  simdjson::dom::array merges;
  if (root.at_pointer("/model/merges").get_array().get(merges) == simdjson::SUCCESS) {
    std::size_t rank = 0;
    for (const auto merge : merges) {
      std::string_view a, b;
      std::string_view joined;
      if (merge.get_string().get(joined) == simdjson::SUCCESS) {
        const auto space = joined.find(' ');
        if (space == std::string_view::npos) continue;
        a = joined.substr(0, space);
        b = joined.substr(space + 1);
      } else {
        simdjson::dom::array pair;
        if (merge.get_array().get(pair) != simdjson::SUCCESS || pair.size() != 2) continue;
        if (pair.at(0).get_string().get(a) != simdjson::SUCCESS || pair.at(1).get_string().get(b) != simdjson::SUCCESS) continue;
      }
      ranks_.emplace(std::make_pair(std::string(a), std::string(b)), rank++);
    }
  }
  bytes_of_id_ = load_token_bytes(path).bytes;
  // GPT-2's bytes_to_unicode, forwards.
  char_of_byte_.resize(256);
  std::uint32_t next = 256;
  for (std::uint32_t b = 0; b < 256; ++b) {
    const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    char_of_byte_[b] = utf8(printable ? b : next++);
  }
}

void TextCodec::encode_piece(const std::string& piece, std::vector<std::uint32_t>& out) const {
  std::vector<std::string> symbols;
  for (const char c : piece) symbols.push_back(char_of_byte_[static_cast<unsigned char>(c)]);
  while (symbols.size() > 1) {
    std::size_t best = SIZE_MAX, at = 0;
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto found = ranks_.find({symbols[i], symbols[i + 1]});
      if (found != ranks_.end() && found->second < best) {
        best = found->second;
        at = i;
      }
    }
    if (best == SIZE_MAX) break;
    symbols[at] += symbols[at + 1];
    symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(at) + 1);
  }
  for (const auto& s : symbols) {
    const auto found = vocab_.find(s);
    if (found == vocab_.end()) throw Error(path_.string() + ": no token for '" + s + "' (not a byte-level BPE vocabulary?)");
    out.push_back(found->second);
  }
}

std::vector<std::uint32_t> TextCodec::encode(const std::string& text) const {
  std::vector<std::uint32_t> out;
  const auto n = text.size();
  auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  std::size_t i = 0;
  while (i < n) {
    std::size_t j = i;
    if (at(i) == '\'' && i + 1 < n) {  // contractions: 's 't 're 've 'm 'll 'd
      for (const char* suffix : {"s", "t", "re", "ve", "m", "ll", "d"}) {
        const std::string s(suffix);
        if (text.compare(i + 1, s.size(), s) == 0) {
          j = i + 1 + s.size();
          break;
        }
      }
    }
    if (j == i && is_space(at(i))) {
      while (j < n && is_space(at(j))) ++j;
      // Whitespace before a word leaves its last space to that word (GPT-2's \s+(?!\S)).
      if (j < n && j - i > 1 && at(j - 1) == ' ') --j;
      else if (j < n && j - i == 1 && at(i) == ' ') j = i;  // a single space joins the next word
    }
    if (j == i) {
      if (at(j) == ' ') ++j;
      const int cls = char_class(at(j));
      while (j < n && char_class(at(j)) == cls && cls != 3) ++j;
    }
    encode_piece(text.substr(i, j - i), out);
    i = j;
  }
  return out;
}

std::string TextCodec::decode(const std::vector<std::uint32_t>& tokens) const {
  std::string text;
  for (const auto t : tokens) if (t < bytes_of_id_.size()) text += bytes_of_id_[t];
  return text;
}

}  // namespace sluice::finetune
