#pragma once
// Byte strings of the tokens of a tokenizer (read by the tokenize stage), for bits per byte.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::finetune {

struct TokenBytes {
  std::vector<std::string> bytes;  // by id; empty for special (added) tokens
  std::uint64_t length(std::int64_t id) const {
    return id >= 0 && static_cast<std::size_t>(id) < bytes.size() ? bytes[static_cast<std::size_t>(id)].size() : 0;
  }
};

TokenBytes load_token_bytes(const std::filesystem::path& tokenizer_json);
// The first tokenizer.json among the candidates that exists; empty when none does.
std::filesystem::path find_tokenizer(const std::vector<std::filesystem::path>& candidates);

}  // namespace sluice::finetune
