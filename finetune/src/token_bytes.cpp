#include "token_bytes.h"

#include "sluice/tokenize/tokenizer.h"

namespace sluice::finetune {

TokenBytes load_token_bytes(const std::filesystem::path& path) {
  const auto tokenizer = tokenize::Tokenizer::load(path);
  TokenBytes out;
  out.bytes.resize(tokenizer.vocab_size());
  for (std::uint32_t id = 0; id < tokenizer.vocab_size(); ++id) out.bytes[id] = std::string(tokenizer.token_bytes(id));
  // Special tokens stand for no text: they add no bytes to bits-per-byte.
  for (const auto& special : tokenizer.special_tokens()) {
    if (special.id < out.bytes.size()) out.bytes[special.id].clear();
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
