// Tokenizer files: Hugging Face tokenizer.json (read and write), tiktoken rank files, GPT-2
// encoder.json + vocab.bpe.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "model.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice::tokenize {
namespace {

// bytes_to_unicode: printable bytes map to themselves, the other 68 to U+0100 + n in byte order.
struct ByteLevelMap {
  std::array<std::uint32_t, 256> to_char{};
  std::array<std::int16_t, 324> to_byte{};
  ByteLevelMap() {
    to_byte.fill(-1);
    std::uint32_t extra = 0;
    for (std::uint32_t b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_char[b] = printable ? b : 256 + extra++;
      to_byte[to_char[b]] = static_cast<std::int16_t>(b);
    }
  }
};
const ByteLevelMap& byte_level_map() {
  static const ByteLevelMap map;
  return map;
}

std::string read_file_or_fail(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail_at(path.string(), 0, "no such tokenizer file");
  return read_small_file(path);
}

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char ch : in) {
    int v;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
    else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
    else if (ch == '+') v = 62;
    else if (ch == '/') v = 63;
    else if (ch == '=') break;
    else return false;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

PreTokenizer pre_tokenizer_from_hf(simdjson::dom::element node, const std::string& name) {
  if (node.is_null()) throw Error(name + ": no pre_tokenizer; sluice reads byte-level BPE tokenizers only");
  const std::string_view type = node["type"].get_string().value();
  if (type == "ByteLevel") {
    bool use_regex = true;
    if (auto v = node["use_regex"].get_bool(); !v.error()) use_regex = v.value();
    if (!use_regex) throw Error(name + ": ByteLevel pre_tokenizer without a regex is not supported");
    return PreTokenizer(PatternKind::kGpt2);
  }
  if (type == "Split") {
    auto regex = node["pattern"]["Regex"].get_string();
    if (regex.error()) throw Error(name + ": Split pre_tokenizer without a \"Regex\" pattern is not supported");
    return PreTokenizer(std::string(regex.value()));
  }
  if (type == "Sequence") {
    std::optional<PreTokenizer> found;
    for (simdjson::dom::element child : node["pretokenizers"].get_array()) {
      const std::string_view child_type = child["type"].get_string().value();
      if (child_type == "Split") {
        found.emplace(pre_tokenizer_from_hf(child, name));
      } else if (child_type == "ByteLevel") {
        auto v = child["use_regex"].get_bool();
        if (!found && (v.error() || v.value())) found.emplace(PatternKind::kGpt2);
      } else {
        throw Error(name + ": pre_tokenizer " + std::string(child_type) + " is not supported");
      }
    }
    if (!found) throw Error(name + ": pre_tokenizer sequence without a Split regex or ByteLevel regex");
    return std::move(*found);
  }
  throw Error(name + ": pre_tokenizer type " + std::string(type) + " is not supported");
}

std::string decode_byte_level_or_fail(std::string_view text, const std::string& name) {
  std::string bytes;
  if (!byte_level_decode(text, bytes)) {
    throw Error(name + ": token '" + std::string(text) + "' is not in the byte-level alphabet (not a byte-level BPE)");
  }
  return bytes;
}

}  // namespace

std::string byte_level_encode(std::string_view bytes) {
  const ByteLevelMap& map = byte_level_map();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char ch : bytes) {
    const std::uint32_t cp = map.to_char[static_cast<unsigned char>(ch)];
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

bool byte_level_decode(std::string_view text, std::string& bytes) {
  const ByteLevelMap& map = byte_level_map();
  bytes.clear();
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t cp;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(text[i + 1]) & 0x3Fu);
      i += 2;
    } else {
      return false;
    }
    if (cp >= map.to_byte.size() || map.to_byte[cp] < 0) return false;
    bytes.push_back(static_cast<char>(map.to_byte[cp]));
  }
  return true;
}

Tokenizer Tokenizer::from_hf_json(const std::string& json, const std::string& name) {
  auto model = std::make_shared<TokenizerModel>();
  try {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(json);
    simdjson::dom::element root = parser.parse(padded);
    simdjson::dom::element m = root["model"];
    if (auto type = m["type"].get_string(); !type.error() && type.value() != "BPE") {
      throw Error(name + ": model type " + std::string(type.value()) + " (sluice reads BPE tokenizers)");
    }
    model->pre_tokenizer = pre_tokenizer_from_hf(root["pre_tokenizer"], name);
    if (auto v = m["ignore_merges"].get_bool(); !v.error()) model->ignore_merges = v.value();
    else model->ignore_merges = false;
    std::vector<std::pair<std::uint32_t, std::string>> specials;
    if (auto added = root["added_tokens"].get_array(); !added.error()) {
      for (simdjson::dom::element token : added.value()) {
        const auto id = static_cast<std::uint32_t>(token["id"].get_uint64().value());
        specials.emplace_back(id, std::string(token["content"].get_string().value()));
      }
    }
    auto is_added = [&](std::uint32_t id) {
      return std::any_of(specials.begin(), specials.end(), [&](const auto& s) { return s.first == id; });
    };
    std::unordered_map<std::string, std::uint32_t> vocab_ids;  // byte-level text -> id
    for (auto [key, value] : m["vocab"].get_object()) {
      const auto id = static_cast<std::uint32_t>(value.get_uint64().value());
      if (id >= (1u << 26)) throw Error(name + ": token id " + std::to_string(id) + " is implausibly large");
      if (id >= model->tokens.size()) model->tokens.resize(id + 1);
      vocab_ids.emplace(std::string(key), id);
      if (!is_added(id)) model->tokens[id] = decode_byte_level_or_fail(key, name);
    }
    model->ranks.assign(model->tokens.size(), kNoRank);
    std::uint32_t rank = 0;
    for (simdjson::dom::element merge : m["merges"].get_array()) {
      std::string left;
      std::string right;
      if (merge.is_string()) {  // "a b" (before tokenizers 0.20)
        const std::string_view text = merge.get_string().value();
        const std::size_t space = text.find(' ');
        if (space == std::string_view::npos) throw Error(name + ": merge '" + std::string(text) + "' has no space");
        left = text.substr(0, space);
        right = text.substr(space + 1);
      } else {  // ["a", "b"]
        simdjson::dom::array pair = merge.get_array();
        if (pair.size() != 2) throw Error(name + ": a merge is not a pair");
        left = std::string(pair.at(0).get_string().value());
        right = std::string(pair.at(1).get_string().value());
      }
      const auto it = vocab_ids.find(left + right);
      if (it == vocab_ids.end() || !vocab_ids.count(left) || !vocab_ids.count(right)) {
        throw Error(name + ": merge " + std::to_string(rank) + " ('" + left + "', '" + right + "') names tokens not in the vocab");
      }
      if (model->ranks[it->second] == kNoRank) model->ranks[it->second] = rank;
      ++rank;
    }
    for (const auto& [id, text] : specials) model->specials.push_back({text, id});
  } catch (const simdjson::simdjson_error& e) {
    throw Error(name + ": not a tokenizer.json this reader understands (" + e.what() + ")");
  }
  model->finalize(name);
  return Tokenizer(std::move(model));
}

Tokenizer Tokenizer::from_tiktoken(const std::filesystem::path& path, PatternKind pattern) {
  auto model = std::make_shared<TokenizerModel>();
  model->pre_tokenizer = PreTokenizer(pattern);
  const std::string text = read_file_or_fail(path);
  std::istringstream lines(text);
  std::string line;
  std::string bytes;
  std::uint64_t line_number = 0;
  while (std::getline(lines, line)) {
    ++line_number;
    if (line.empty()) continue;
    const std::size_t space = line.find(' ');
    if (space == std::string::npos || !base64_decode(std::string_view(line).substr(0, space), bytes) || bytes.empty()) {
      fail_at(path.string(), line_number, "not a tiktoken rank line (expected 'BASE64 RANK')");
    }
    const std::uint64_t rank = std::stoull(line.substr(space + 1));
    if (rank >= (1u << 26)) fail_at(path.string(), line_number, "rank too large");
    if (rank >= model->tokens.size()) model->tokens.resize(rank + 1);
    model->tokens[rank] = bytes;
  }
  model->ranks.resize(model->tokens.size());
  for (std::uint32_t id = 0; id < model->tokens.size(); ++id) model->ranks[id] = id;
  // The special tokens tiktoken gives these encodings.
  const std::uint32_t n = static_cast<std::uint32_t>(model->tokens.size());
  if (pattern == PatternKind::kCl100k && n == 100256) {
    model->specials = {{kEndOfText, 100257}, {"<|fim_prefix|>", 100258}, {"<|fim_middle|>", 100259},
                       {"<|fim_suffix|>", 100260}, {"<|endofprompt|>", 100276}};
  } else if (pattern == PatternKind::kO200k && n == 199998) {
    model->specials = {{kEndOfText, 199999}, {"<|endofprompt|>", 200018}};
  } else {
    model->specials = {{kEndOfText, n}};
  }
  model->finalize(path.string());
  return Tokenizer(std::move(model));
}

// The npm tiktoken package's encoders/*.json: {pat_str, special_tokens, bpe_ranks}, where bpe_ranks
// holds lines "TAG FIRST_RANK BASE64 BASE64 ..." with consecutive ranks.
static Tokenizer tokenizer_from_tiktoken_json(const std::string& json, const std::string& name,
                                              const std::shared_ptr<TokenizerModel>& model) {
  try {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded(json);
    simdjson::dom::element root = parser.parse(padded);
    model->pre_tokenizer = PreTokenizer(std::string(root["pat_str"].get_string().value()));
    const std::string_view ranks = root["bpe_ranks"].get_string().value();
    std::string bytes;
    std::size_t line_start = 0;
    while (line_start < ranks.size()) {
      std::size_t line_end = ranks.find('\n', line_start);
      if (line_end == std::string_view::npos) line_end = ranks.size();
      const std::string_view line = ranks.substr(line_start, line_end - line_start);
      line_start = line_end + 1;
      std::size_t field = 0;
      std::uint64_t rank = 0;
      for (std::size_t at = 0; at <= line.size();) {
        std::size_t space = line.find(' ', at);
        if (space == std::string_view::npos) space = line.size();
        const std::string_view word = line.substr(at, space - at);
        at = space + 1;
        if (word.empty()) continue;
        if (field == 1) {
          rank = std::stoull(std::string(word));
        } else if (field >= 2) {
          if (!base64_decode(word, bytes) || bytes.empty() || rank >= (1u << 26)) throw Error(name + ": bad bpe_ranks entry");
          if (rank >= model->tokens.size()) model->tokens.resize(rank + 1);
          model->tokens[rank++] = bytes;
        }
        ++field;
      }
    }
    for (auto [key, value] : root["special_tokens"].get_object()) {
      model->specials.push_back({std::string(key), static_cast<std::uint32_t>(value.get_uint64().value())});
    }
  } catch (const simdjson::simdjson_error& e) {
    throw Error(name + ": not a tiktoken encoder JSON (" + e.what() + ")");
  }
  model->ranks.resize(model->tokens.size());
  for (std::uint32_t id = 0; id < model->tokens.size(); ++id) model->ranks[id] = id;
  model->finalize(name);
  return Tokenizer::from_model(model);
}

Tokenizer Tokenizer::from_gpt2_files(const std::filesystem::path& encoder_json, const std::filesystem::path& vocab_bpe) {
  auto model = std::make_shared<TokenizerModel>();
  model->pre_tokenizer = PreTokenizer(PatternKind::kGpt2);
  const std::string name = encoder_json.string();
  try {
    simdjson::dom::parser parser;
    const simdjson::padded_string padded = simdjson::padded_string::load(encoder_json.string());
    for (auto [key, value] : parser.parse(padded).get_object()) {
      const auto id = static_cast<std::uint32_t>(value.get_uint64().value());
      if (id >= (1u << 26)) throw Error(name + ": id too large");
      if (id >= model->tokens.size()) model->tokens.resize(id + 1);
      if (key == kEndOfText) {
        model->specials.push_back({kEndOfText, id});
      } else {
        model->tokens[id] = decode_byte_level_or_fail(key, name);
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    fail_at(name, 0, std::string("not a GPT-2 encoder.json (") + e.what() + ")");
  }
  // tiktoken's GPT-2: rank = id, which vocab.bpe's order confirms (merge k makes id 256 + k).
  if (!std::filesystem::is_regular_file(vocab_bpe)) fail_at(vocab_bpe.string(), 0, "missing vocab.bpe beside encoder.json");
  model->ranks.resize(model->tokens.size());
  for (std::uint32_t id = 0; id < model->tokens.size(); ++id) model->ranks[id] = id;
  model->finalize(name);
  return Tokenizer(std::move(model));
}

Tokenizer Tokenizer::from_ranked_tokens(std::vector<std::string> tokens, const std::string& regex,
                                        const std::vector<std::string>& specials) {
  auto model = std::make_shared<TokenizerModel>();
  model->pre_tokenizer = PreTokenizer(regex);
  model->tokens = std::move(tokens);
  model->ranks.resize(model->tokens.size());
  for (std::uint32_t id = 0; id < model->tokens.size(); ++id) model->ranks[id] = id;
  auto next = static_cast<std::uint32_t>(model->tokens.size());
  for (const std::string& s : specials) model->specials.push_back({s, next++});
  model->finalize("trained tokenizer");
  return Tokenizer(std::move(model));
}

Tokenizer Tokenizer::load(const std::filesystem::path& path, const std::string& pattern) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    if (std::filesystem::is_regular_file(path / "tokenizer.json")) return load(path / "tokenizer.json", pattern);
    if (!std::filesystem::is_regular_file(path / "encoder.json")) {
      fail_at(path.string(), 0, "directory has neither tokenizer.json nor encoder.json + vocab.bpe");
    }
    return from_gpt2_files(path / "encoder.json", path / "vocab.bpe");
  }
  if (!std::filesystem::exists(path, ec)) fail_at(path.string(), 0, "no such tokenizer file");
  const std::string name = path.filename().string();
  if (name.size() >= 9 && name.ends_with(".tiktoken")) {
    return from_tiktoken(path, pattern_kind_from_name(pattern.empty() ? "cl100k" : pattern));
  }
  if (name == "encoder.json") return from_gpt2_files(path, path.parent_path() / "vocab.bpe");
  const std::string text = read_file_or_fail(path);
  if (text.empty() || text.front() != '{') fail_at(path.string(), 0, "not a tokenizer.json (or a .tiktoken file)");
  if (text.find("\"bpe_ranks\"") != std::string::npos && text.find("\"model\"") == std::string::npos) {
    return tokenizer_from_tiktoken_json(text, path.string(), std::make_shared<TokenizerModel>());
  }
  return from_hf_json(text, path.string());
}

std::string Tokenizer::to_hf_json() const {
  const TokenizerModel& m = *model_;
  JsonWriter json;
  json.begin_object().field("version", "1.0").key("truncation").null().key("padding").null();
  json.key("added_tokens").begin_array();
  std::vector<SpecialToken> specials = m.specials;
  std::sort(specials.begin(), specials.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  for (const SpecialToken& s : specials) {
    json.begin_object().field("id", s.id).field("content", s.text).field("single_word", false).field("lstrip", false);
    json.field("rstrip", false).field("normalized", false).field("special", true).end_object();
  }
  json.end_array().key("normalizer").null();
  json.key("pre_tokenizer");
  if (m.pre_tokenizer.kind() == PatternKind::kGpt2) {
    json.begin_object().field("type", "ByteLevel").field("add_prefix_space", false).field("trim_offsets", true);
    json.field("use_regex", true).end_object();
  } else {
    json.begin_object().field("type", "Sequence").key("pretokenizers").begin_array();
    json.begin_object().field("type", "Split").key("pattern").begin_object().field("Regex", m.pre_tokenizer.regex()).end_object();
    json.field("behavior", "Isolated").field("invert", false).end_object();
    json.begin_object().field("type", "ByteLevel").field("add_prefix_space", false).field("trim_offsets", true);
    json.field("use_regex", false).end_object();
    json.end_array().end_object();
  }
  json.key("post_processor").null();
  json.key("decoder").begin_object().field("type", "ByteLevel").field("add_prefix_space", true);
  json.field("trim_offsets", true).field("use_regex", true).end_object();
  json.key("model").begin_object().field("type", "BPE").key("dropout").null().key("unk_token").null();
  json.key("continuing_subword_prefix").null().key("end_of_word_suffix").null().field("fuse_unk", false);
  json.field("byte_fallback", false).field("ignore_merges", m.ignore_merges);
  json.key("vocab").begin_object();
  for (std::uint32_t id = 0; id < m.tokens.size(); ++id) {
    if (m.tokens[id].empty()) continue;
    json.key(m.is_special[id] ? m.tokens[id] : byte_level_encode(m.tokens[id])).value(id);
  }
  json.end_object();
  // Merges in rank order: every token made by merging, split into the two tokens that make it.
  std::vector<std::uint32_t> merged;
  for (std::uint32_t id = 0; id < m.tokens.size(); ++id) {
    if (!m.is_special[id] && m.ranks[id] != kNoRank && m.tokens[id].size() >= 2) merged.push_back(id);
  }
  std::sort(merged.begin(), merged.end(), [&](std::uint32_t a, std::uint32_t b) { return m.ranks[a] < m.ranks[b]; });
  json.key("merges").begin_array();
  for (const std::uint32_t id : merged) {
    const auto [left, right] = m.merge_of(id);
    json.begin_array().value(byte_level_encode(m.tokens[left])).value(byte_level_encode(m.tokens[right])).end_array();
  }
  json.end_array().end_object().end_object();
  return json.take() + "\n";
}

void Tokenizer::save_hf_json(const std::filesystem::path& path) const { write_file_atomically(path, to_hf_json()); }

}  // namespace sluice::tokenize
