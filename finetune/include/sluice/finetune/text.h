#pragma once
// Text <-> token ids for `sluice generate` with a byte-level BPE tokenizer.json (GPT-2 family).
// Decoding is exact; encoding applies the file's merges after an ASCII approximation of GPT-2's
// pre-tokenizer regex, which is enough for prompts (the tokenize stage owns full encoding).
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::finetune {

class TextCodec {
 public:
  explicit TextCodec(const std::filesystem::path& tokenizer_json);
  std::vector<std::uint32_t> encode(const std::string& text) const;
  std::string decode(const std::vector<std::uint32_t>& tokens) const;

 private:
  void encode_piece(const std::string& piece, std::vector<std::uint32_t>& out) const;
  std::filesystem::path path_;
  std::unordered_map<std::string, std::uint32_t> vocab_;
  std::map<std::pair<std::string, std::string>, std::size_t> ranks_;
  std::vector<std::string> bytes_of_id_;
  std::vector<std::string> char_of_byte_;  // byte -> its vocabulary character (UTF-8)
};

}  // namespace sluice::finetune
