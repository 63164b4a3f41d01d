#pragma once
// What every phase needs to know: the shard list (inputs, then --against references), where the
// work files go, and the completion markers that make each task resumable.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/dedup/dedup.h"

namespace sluice::dedup {

// Fixed head of a document-table record; the id's bytes follow it.
struct DocHead {
  std::uint64_t high = 0, low = 0;  // XXH3-128 of the (optionally normalised) text
  double field = 0;                 // RankPolicy::field, -inf when absent
  std::uint32_t id_length = 0;
  std::uint8_t flags = 0;           // kHasSignature
  std::uint8_t license = 1;         // license_class()
  std::uint16_t reserved = 0;
  std::uint64_t text_bytes = 0;
};
inline constexpr std::uint8_t kHasSignature = 1;

struct Context {
  explicit Context(const DedupOptions& options);

  const DedupOptions& options;
  std::vector<std::filesystem::path> shards;  // inputs first, then references
  std::size_t input_shards = 0;
  std::filesystem::path work;
  std::string config_hash;

  bool exact() const { return options.mode != Mode::kNear; }
  bool near() const { return options.mode != Mode::kExact; }
  bool is_reference(std::size_t shard) const { return shard >= input_shards; }

  // Phase 2 key kinds: exact keys first (when on), then bands 0..B-1 (when near is on).
  std::size_t kinds() const { return (exact() ? 1 : 0) + (near() ? options.lsh.bands : 0); }
  bool kind_is_exact(std::size_t kind) const { return exact() && kind == 0; }
  std::size_t kind_band(std::size_t kind) const { return kind - (exact() ? 1 : 0); }

  std::filesystem::path docs_file(std::size_t shard) const;
  std::filesystem::path exact_file(std::size_t shard) const;
  std::filesystem::path band_file(std::size_t band, std::size_t shard) const;
  std::filesystem::path edges_file(std::size_t kind) const;
  std::filesystem::path removed_file(std::size_t shard) const;
  std::filesystem::path summary_file() const { return work / "components.json"; }

  bool done(int phase, std::size_t task) const;
  void mark_done(int phase, std::size_t task) const;
};

struct PhaseStats {
  std::uint64_t tasks_run = 0;
  std::uint64_t tasks_skipped = 0;
};

PhaseStats run_signatures(const Context& context);
PhaseStats run_buckets(const Context& context);
PhaseStats run_components(const Context& context);
PhaseStats run_filter(const Context& context);

// The tasks of a phase this process runs: i with i % tasks == task, not yet done.
std::vector<std::size_t> tasks_to_run(const Context& context, int phase, std::size_t count, PhaseStats& stats);

}  // namespace sluice::dedup
