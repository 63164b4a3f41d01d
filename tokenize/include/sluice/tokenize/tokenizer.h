#pragma once
// Byte-level BPE tokenizers: loading (Hugging Face tokenizer.json, tiktoken .tiktoken rank files,
// GPT-2 encoder.json + vocab.bpe), saving (tokenizer.json), encoding and decoding.
//
// Merging follows tiktoken: among adjacent parts, the pair whose concatenated bytes have the
// lowest rank merges first (leftmost on ties). For tiktoken and GPT-2 files the rank is the id;
// for tokenizer.json the rank of a token is the index of the first merge that produces it. This
// gives tiktoken's ids exactly, and Hugging Face's except for vocabularies that reach one token
// by two different merges (none of the published byte-level ones).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/tokenize/pretokenizer.h"

namespace sluice::tokenize {

struct SpecialToken {
  std::string text;
  std::uint32_t id = 0;
};

// The FIM sentinels of StarCoder and the end-of-text token, as `sluice tokenizer train` adds them.
inline constexpr const char* kEndOfText = "<|endoftext|>";
inline constexpr const char* kFimPrefix = "<fim_prefix>";
inline constexpr const char* kFimMiddle = "<fim_middle>";
inline constexpr const char* kFimSuffix = "<fim_suffix>";
inline constexpr const char* kFimPad = "<fim_pad>";

struct TokenizerModel;  // the shared, immutable tables (tokenizer.cpp)

class Tokenizer {
 public:
  // `path` is a tokenizer.json, a .tiktoken rank file (needs `pattern`: gpt2, cl100k, o200k; an
  // empty pattern means cl100k), or a directory holding encoder.json + vocab.bpe (GPT-2).
  static Tokenizer load(const std::filesystem::path& path, const std::string& pattern = "");
  static Tokenizer from_hf_json(const std::string& json, const std::string& name_for_errors);
  static Tokenizer from_tiktoken(const std::filesystem::path& path, PatternKind pattern);
  static Tokenizer from_gpt2_files(const std::filesystem::path& encoder_json, const std::filesystem::path& vocab_bpe);
  // tokens[id] = bytes; ids 0..255 must be the 256 single bytes in any order, and every later token
  // the concatenation of two earlier ones (its merge); rank = id. Specials get the ids after.
  static Tokenizer from_ranked_tokens(std::vector<std::string> tokens, const std::string& regex,
                                      const std::vector<std::string>& specials);

  std::uint32_t vocab_size() const;  // highest id + 1, special tokens included
  const PreTokenizer& pre_tokenizer() const;
  const std::vector<SpecialToken>& special_tokens() const;
  std::optional<std::uint32_t> special_id(std::string_view text) const;
  std::optional<std::uint32_t> token_id(std::string_view bytes) const;  // an ordinary token's id
  // Bytes of a token (the text of a special token); Error for an id that is not in the vocab.
  std::string_view token_bytes(std::uint32_t id) const;
  std::string decode(std::span<const std::uint32_t> ids) const;
  // Identifies the vocabulary, merges, pattern and special tokens (XXH3-128 hex).
  const std::string& hash() const;

  // Gives `text` the next free id unless it is already a special token; returns its id.
  std::uint32_t add_special_token(const std::string& text);

  std::string to_hf_json() const;
  void save_hf_json(const std::filesystem::path& path) const;  // atomically

  const TokenizerModel& model() const { return *model_; }
  static Tokenizer from_model(std::shared_ptr<TokenizerModel> model);

 private:
  friend class Encoder;
  explicit Tokenizer(std::shared_ptr<TokenizerModel> model);
  std::shared_ptr<TokenizerModel> model_;
};

// Encodes with a per-thread cache of recent pieces. One Encoder per thread; many may share one
// Tokenizer.
class Encoder {
 public:
  explicit Encoder(const Tokenizer& tokenizer);
  ~Encoder();
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // Appends the ids of `text` to `out`. Special-token text is ordinary text unless
  // `allow_special`, when each occurrence becomes its special id.
  void encode(std::string_view text, std::vector<std::uint32_t>& out, bool allow_special = false);
  std::vector<std::uint32_t> encode(std::string_view text, bool allow_special = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// GPT-2's byte <-> printable character map (bytes_to_unicode) used by tokenizer.json files.
std::string byte_level_encode(std::string_view bytes);
// false when `text` holds a character outside the map.
bool byte_level_decode(std::string_view text, std::string& bytes);

}  // namespace sluice::tokenize
