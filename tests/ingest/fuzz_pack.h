#pragma once
// The pack reader and the delta applier as fuzz targets (libfuzzer_pack_*.cpp under scripts/fuzz,
// replayed by pack_fuzz_test.cpp), and the hand-built packs that seed them and the tests.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::ingest::fuzz {

// Bytes as [2-byte base length][base][delta]: apply_delta must succeed with exactly the declared
// size or say what is wrong - never crash, read out of bounds or allocate wildly.
int pack_delta(const std::uint8_t* data, std::size_t size);

// Bytes as [count (mod 17)][count 4-byte big-endian offsets][pack file]: the pack is written with
// a version 2 .idx naming objects 01.., 02.. at those offsets (and the pack's last 20 bytes as its
// checksum), then each object is read and its header read: each must succeed or throw
// sluice::Error.
int pack_reader(const std::uint8_t* data, std::size_t size);

// A pack entry of a hand-built pack: a whole object (type 1-4) or an OFS_DELTA (type 6) on the
// entry `base` places before it, or a REF_DELTA (type 7) on the object numbered `base`.
struct HandEntry {
  unsigned type;
  std::string payload;  // the object, or the delta, before compression
  unsigned base = 0;
};
// The pack's bytes and the offset of each entry (entries are numbered objects 01.., 02.. in order).
std::string hand_pack(const std::vector<HandEntry>& entries, std::vector<std::uint32_t>& offsets);
// Writes `pack` and an idx naming objects 01.., 02.. at `offsets` under objects_dir/pack.
void write_hand_pack(const std::filesystem::path& objects_dir, const std::string& pack,
                     const std::vector<std::uint32_t>& offsets);
// The fuzz input of pack_reader for a pack and its offsets.
std::string pack_reader_input(const std::string& pack, const std::vector<std::uint32_t>& offsets);

}  // namespace sluice::ingest::fuzz
