#pragma once
// The binary intermediates of the dedup phases (docs/dedup-format.md). Every file is
//   header: 8-byte magic, u32 version, u32 record size (0 = variable)
//   records
//   footer: u64 record count, 8-byte end magic
// so a truncated or foreign file is caught before a phase trusts it. Written atomically.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/core/io.h"

namespace sluice::dedup {

class RecordWriter {
 public:
  RecordWriter(const std::filesystem::path& path, const char (&magic)[9], std::uint32_t record_size);
  void write(const void* data, std::size_t size);
  void end_record() { ++count_; }
  void finish();  // footer + atomic rename

 private:
  void flush();
  AtomicFile file_;
  std::string buffer_;
  std::uint64_t count_ = 0;
};

class RecordReader {
 public:
  RecordReader(const std::filesystem::path& path, const char (&magic)[9], std::uint32_t record_size);
  ~RecordReader();
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  std::uint64_t count() const { return count_; }
  // Reads exactly `size` bytes; an Error names the file when the records end early.
  void read(void* data, std::size_t size);
  // Reads up to `max` fixed-size records; returns how many.
  std::size_t read_records(void* data, std::size_t max);
  const std::filesystem::path& path() const { return path_; }
  [[noreturn]] void corrupt(const std::string& what) const;

 private:
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
  std::uint32_t record_size_;
  std::uint64_t count_ = 0;
  std::uint64_t body_left_ = 0;  // bytes of records not read yet
};

// Fixed-size records of the phases.
struct BandRecord {
  std::uint64_t key;
  std::uint64_t ref;  // shard << 32 | document index
  bool operator<(const BandRecord& o) const { return key != o.key ? key < o.key : ref < o.ref; }
};
struct ExactRecord {
  std::uint64_t high, low;
  std::uint64_t ref;
  bool operator<(const ExactRecord& o) const {
    if (high != o.high) return high < o.high;
    if (low != o.low) return low < o.low;
    return ref < o.ref;
  }
};
struct EdgeRecord {
  std::uint64_t a, b;
};

// A removal decided by phase 3; the kept twin's id (u32 length + bytes) follows it in the file.
struct Removal {
  std::uint32_t index = 0;   // document index in its shard
  std::uint8_t reason = 0;   // 1 exact, 2 near
  std::uint8_t against = 0;  // 1 when the twin is in the --against reference set
  std::uint16_t reserved = 0;
  float similarity = -1;     // true Jaccard with the twin; -1 when not measured
  std::uint64_t cluster = 0;
};
static_assert(sizeof(Removal) == 24);

inline std::uint64_t make_ref(std::size_t shard, std::uint64_t index) {
  return (static_cast<std::uint64_t>(shard) << 32) | index;
}
inline std::size_t ref_shard(std::uint64_t ref) { return static_cast<std::size_t>(ref >> 32); }
inline std::uint32_t ref_index(std::uint64_t ref) { return static_cast<std::uint32_t>(ref & 0xffffffffu); }

inline constexpr char kDocsMagic[9] = "SLDDOCS1";
inline constexpr char kBandMagic[9] = "SLDBAND1";
inline constexpr char kExactMagic[9] = "SLDEXAC1";
inline constexpr char kEdgeMagic[9] = "SLDEDGE1";
inline constexpr char kRemovedMagic[9] = "SLDRMVD1";

}  // namespace sluice::dedup
