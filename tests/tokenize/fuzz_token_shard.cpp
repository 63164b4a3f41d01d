#include "fuzz_token_shard.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "memory_file.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/tokenize/token_shard.h"

namespace sluice::tokenize::fuzz {
namespace {

constexpr std::size_t kHeaderBytes = 128;
constexpr std::size_t kFooterBytes = 64;

}  // namespace

std::uint64_t get_field(const std::string& bytes, std::size_t at, int width) {
  std::uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    const std::size_t pos = at + static_cast<std::size_t>(i);
    value = (value << 8) | (pos < bytes.size() ? static_cast<unsigned char>(bytes[pos]) : 0u);
  }
  return value;
}

void set_field(std::string& bytes, std::size_t at, int width, std::uint64_t value) {
  for (int i = 0; i < width; ++i) {
    const std::size_t pos = at + static_cast<std::size_t>(i);
    if (pos < bytes.size()) bytes[pos] = static_cast<char>(value >> (8 * i));
  }
}

std::string with_fixed_checksums(std::string bytes) {
  if (bytes.size() < kHeaderBytes) return bytes;
  set_field(bytes, 120, 8, xxh3_64(std::string_view(bytes).substr(0, 120)));
  if (bytes.size() < kHeaderBytes + kFooterBytes) return bytes;
  const std::size_t footer = bytes.size() - kFooterBytes;
  const std::uint64_t tables = get_field(bytes, footer, 8);
  if (tables <= footer) set_field(bytes, footer + 40, 8, xxh3_64(std::string_view(bytes).substr(tables, footer - tables)));
  set_field(bytes, footer + 48, 8, xxh3_64(std::string_view(bytes).substr(footer, 48)));
  return bytes;
}

int token_shard_reader(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) bytes = with_fixed_checksums(std::move(bytes));
  const sluice::fuzz::MemoryFile file(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  try {
    const TokenShardReader reader(file.path());
    std::vector<std::uint32_t> tokens;
    for (std::uint64_t d = 0; d < std::min<std::uint64_t>(reader.num_documents(), 64); ++d) {
      const auto [begin, end] = reader.document_range(d);
      reader.read_tokens(begin, end, tokens);
    }
    // A range that starts and ends inside frames (the cached path), then every frame.
    const std::uint64_t half = reader.frame_tokens() / 2;
    reader.read_tokens(std::min(half, reader.num_tokens()), std::min(3 * half, reader.num_tokens()), tokens);
    reader.verify();
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace sluice::tokenize::fuzz
