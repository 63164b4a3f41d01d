#pragma once
// Units of work and of resumption: one per repository and one per --docs input. A unit writes its
// documents to its own directory, OUT/.ingest-units/NAME/ (a small shard set: pieces plus a
// manifest.json that is written last and so marks the unit complete). Its config hash covers the
// run's options and what the unit read (for a repository: URL, REF and the resolved commit), so
// a rerun after a crash reuses every complete unit whose hash is unchanged and reads the others.
// When every unit is done, the pieces are concatenated in input order into OUT/part-*.jsonl.zst
// (zstd frames concatenate), and the unit directories are removed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "skip_rules.h"
#include "sluice/core/shard_set.h"

namespace sluice::ingest {

struct UnitTotals {
  std::uint64_t files = 0;  // files seen (documents + skipped)
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
  SkipCounts skipped{};
};

struct UnitResult {
  std::string name;                 // "r00003" (the fourth repository), "d00000" (the first docs input)
  std::vector<ShardRecord> pieces;  // in order, names relative to the unit's directory
  UnitTotals totals;
  std::string repo_line;            // a repository's line of repos.jsonl.zst ("" for docs)
};

std::filesystem::path units_root(const std::filesystem::path& out);
std::filesystem::path unit_dir(const std::filesystem::path& out, const std::string& name);

// The unit as an earlier run completed it with the same hash, its pieces intact; else nothing.
std::optional<UnitResult> load_unit(const std::filesystem::path& out, const std::string& name, const std::string& hash);
// An empty directory for the unit (what an interrupted attempt left there is removed).
std::filesystem::path fresh_unit_dir(const std::filesystem::path& out, const std::string& name);
// Marks the unit complete.
void save_unit(const std::filesystem::path& out, const UnitResult& unit, const std::string& hash);
// Drops a unit that failed, so that its documents are not used.
void discard_unit(const std::filesystem::path& out, const std::string& name);

// Concatenates the units' pieces, in order, into OUT/part-NNNNN.jsonl.zst: a shard is closed
// before a piece that would take it past `shard_bytes` of text. Returns the shard records.
std::vector<ShardRecord> assemble_shards(const std::filesystem::path& out, const std::vector<UnitResult>& units,
                                         std::uint64_t shard_bytes, const std::string& config_hash);

// Removes OUT/.ingest-units once the shards are written.
void remove_units(const std::filesystem::path& out);

}  // namespace sluice::ingest
