#pragma once
// sluice ingest: git repositories and documentation into a document shard set.
//   OUT/part-NNNNN.jsonl.zst  documents (docs/ingest-format.md)
//   OUT/repos.jsonl.zst       one record per repository: commit, counts by reason, license texts
//   OUT/manifest.json         the core shard-set manifest plus "sources", "skipped", "failures"
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sluice::ingest {

struct RepoSpec {
  std::string location;  // URL (https, ssh, git, file) or local path (work tree or bare)
  std::string ref;       // branch, tag or commit; empty = the remote's HEAD
};

// Reads a list file: one repository per line, "URL [REF]"; blank lines and #-comments ignored.
std::vector<RepoSpec> read_repo_list(const std::filesystem::path& file);

// Where clones are kept when no cache is given: $XDG_CACHE_HOME/sluice/repos, else
// ~/.cache/sluice/repos, else .sluice-cache/repos. Every command that clones uses it, so they share clones.
std::filesystem::path default_clone_cache();

struct IngestOptions {
  std::vector<RepoSpec> repos;
  std::vector<std::filesystem::path> docs;  // directories, tarballs, zips
  std::filesystem::path out;
  std::filesystem::path cache;              // bare clones, reused and fetched by later runs
  std::uint64_t max_bytes = 1 << 20;        // larger files are skipped as too_large
  std::uint64_t shard_bytes = 256ull << 20; // text bytes per output shard
  unsigned threads = 0;                     // 0 = one per CPU
  int zstd_level = 1;                       // fast: the output is read once, by the next stage
  bool show_progress = true;
};

struct SourceFailure {
  std::string source;
  std::string error;
};

struct IngestReport {
  std::uint64_t repos = 0;
  std::uint64_t repos_failed = 0;
  std::uint64_t docs_inputs = 0;
  std::uint64_t files = 0;          // files seen (documents + skipped)
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
  std::uint64_t objects_fetched = 0;
  std::uint64_t bytes_fetched = 0;
  std::uint64_t shards = 0;
  std::uint64_t repos_reused = 0;   // complete in an interrupted earlier run with the same options and commit
  std::uint64_t docs_reused = 0;    // the same for --docs inputs whose files are unchanged
  std::map<std::string, std::uint64_t> skipped;  // by reason
  std::vector<SourceFailure> failures;
  double seconds = 0;

  std::string to_json() const;
};

// Runs the whole ingest. A source that fails is recorded in the report and the manifest and the
// others go on; an Error is thrown only for problems with the run itself (output not writable).
IngestReport run_ingest(const IngestOptions& options);

}  // namespace sluice::ingest
