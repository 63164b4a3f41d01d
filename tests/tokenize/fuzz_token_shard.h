#pragma once
// The .tok reader as a fuzz target (libfuzzer_token_shard.cpp under scripts/fuzz, replayed by
// token_shard_fuzz_test.cpp), and the byte-level helpers both use to build damaged shards.
#include <cstddef>
#include <cstdint>
#include <string>

namespace sluice::tokenize::fuzz {

// Arbitrary bytes as a token shard: opening, reading documents and ranges and verify() must
// succeed or throw sluice::Error - never crash, read out of bounds or allocate wildly. The first
// byte picks the mode: odd recomputes the header, footer and index checksums over the rest first
// (with_fixed_checksums), so mutations reach the offsets, counts and frames behind them.
int token_shard_reader(const std::uint8_t* data, std::size_t size);

// Little-endian fields of a .tok file (docs/tok-format.md); bytes beyond the end are left alone.
std::uint64_t get_field(const std::string& bytes, std::size_t at, int width);
void set_field(std::string& bytes, std::size_t at, int width, std::uint64_t value);
// The bytes with the header checksum, the index checksum and the footer checksum recomputed for
// whatever the fields now say (as far as the file is long enough to hold them).
std::string with_fixed_checksums(std::string bytes);

}  // namespace sluice::tokenize::fuzz
