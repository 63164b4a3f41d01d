#pragma once
// sluice dedup: exact (XXH3-128 of the text) and near (MinHash + LSH) duplicate removal across a
// whole shard set, in four phases that each run as independent, resumable tasks:
//   1 signatures   one task per input shard: document table, exact keys, one sorted key file per band
//   2 buckets      one task per band (+1 for exact keys): merge the sorted files, emit candidate edges
//   3 components   one task: union-find over the edges, survivor per cluster, optional --verify
//   4 filter       one task per input shard: kept shard, rejected/ with the kept twin's id
// Work files live in OUT/dedup-work/ (format: docs/dedup-format.md); a task's output is complete
// when its marker exists, so a rerun does only what is missing.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sluice/dedup/minhash.h"

namespace sluice::dedup {

enum class Mode { kExact, kNear, kBoth };
Mode parse_mode(const std::string& text);  // Error on anything but exact|near|both
const char* mode_name(Mode mode);

// Which copy of a cluster survives: documents of the --against reference set first, then the
// license class of metadata.license (permissive < none < other), then `field` (larger first, e.g.
// metadata.stars), then the smallest id, then input order.
struct RankPolicy {
  bool by_license = true;
  std::string field = "stars";  // empty: not used
};

// 0 permissive, 1 no license, 2 other. Reads metadata.license_type (The Stack v2 names) when
// present, else metadata.license (an SPDX id or expression, or a list of them).
int license_class(const std::string& license_json);

struct DedupOptions {
  std::vector<std::filesystem::path> inputs;   // document files, in order
  std::vector<std::filesystem::path> against;  // reference document files (never written)
  std::filesystem::path out;
  Mode mode = Mode::kBoth;
  double threshold = 0.7;
  MinHashConfig minhash;
  LshParams lsh;                  // resolve with optimal_lsh() unless given
  bool verify = false;            // true Jaccard of candidates; splits false positives
  bool normalize_whitespace = false;  // exact key over whitespace-normalised text
  RankPolicy rank;
  unsigned threads = 0;
  int zstd_level = 3;
  bool show_progress = true;
  // For array jobs: run only `phase` (1-4; 0 = all), and of it only tasks i with i % tasks == task.
  int phase = 0;
  std::size_t task = 0;
  std::size_t tasks = 1;
};

struct DedupReport {
  std::uint64_t documents_in = 0;
  std::uint64_t documents_kept = 0;
  std::uint64_t removed_exact = 0;
  std::uint64_t removed_near = 0;
  std::uint64_t removed_against = 0;   // of the removed: twin is in the reference set
  std::uint64_t no_tokens = 0;         // documents without a near-dedup signature
  std::uint64_t text_bytes_in = 0;
  std::uint64_t text_bytes_kept = 0;
  std::uint64_t candidate_edges = 0;
  std::uint64_t clusters = 0;          // clusters of 2+ documents (after --verify splits)
  std::uint64_t verify_splits = 0;     // documents --verify moved out of a candidate cluster
  std::uint64_t tasks_run = 0;
  std::uint64_t tasks_skipped = 0;
  std::map<std::string, double> phase_seconds;
  double seconds = 0;
  std::string to_json(const DedupOptions& options) const;
};

DedupReport run_dedup(const DedupOptions& options);

// The parameters and the S-curve, for people (`--explain`) or as JSON.
std::string explain(const DedupOptions& options, bool json);

// The options that change results, as canonical JSON (hashed into every work file's identity).
std::string options_json(const DedupOptions& options);

inline constexpr const char* kWorkDir = "dedup-work";
inline constexpr const char* kDuplicatesDir = "duplicates";

}  // namespace sluice::dedup
