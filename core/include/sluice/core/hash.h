#pragma once
// XXH3 helpers: 64-bit keys for hash tables, 128-bit digests (as hex) for files and configs.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace sluice {

std::uint64_t xxh3_64(std::string_view data, std::uint64_t seed = 0);

struct Hash128 {
  std::uint64_t high = 0;
  std::uint64_t low = 0;
  bool operator==(const Hash128&) const = default;
  std::string hex() const;  // 32 lowercase hex digits, high word first (XXH128 canonical form)
};

Hash128 xxh3_128(std::string_view data);

// Incremental XXH3-128 for data that arrives in pieces (files being written or read).
class StreamingHash {
 public:
  StreamingHash();
  ~StreamingHash();
  StreamingHash(const StreamingHash&) = delete;
  StreamingHash& operator=(const StreamingHash&) = delete;
  void update(const void* data, std::size_t size);
  Hash128 digest() const;

 private:
  void* state_;
};

Hash128 hash_file(const std::filesystem::path& path);

}  // namespace sluice
