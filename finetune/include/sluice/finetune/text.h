#pragma once
// Text <-> token ids for `sluice generate`, through the tokenize stage's tokenizer (tokenizer.json,
// .tiktoken, ...), behind a small header so the CLI needs neither tokenize internals nor torch.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sluice::finetune {

class TextCodec {
 public:
  explicit TextCodec(const std::filesystem::path& tokenizer);
  ~TextCodec();
  TextCodec(const TextCodec&) = delete;
  TextCodec& operator=(const TextCodec&) = delete;
  std::vector<std::uint32_t> encode(const std::string& text) const;
  std::string decode(const std::vector<std::uint32_t>& tokens) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::finetune
