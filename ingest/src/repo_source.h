#pragma once
// Repositories: a bare clone in the cache (fetched again on later runs, which transfers only
// what changed) or a local repository read in place; then the tree of HEAD (or REF) read straight
// from the object database, with no checkout, on several threads that each hold their own
// repository handle.
#include <git2.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "repo_facts.h"
#include "unit_output.h"
#include "sluice/core/progress.h"
#include "sluice/ingest/ingest.h"

namespace sluice::ingest {

struct LocalRepository {
  std::string git_dir;
  git_oid commit{};
};

// Clones or fetches `spec` into `cache` (or opens a local path) and resolves the commit to read.
// Fills url, ref, head, commit, cache and the fetch counts of `facts`. Throws Error.
LocalRepository prepare_repository(const RepoSpec& spec, const std::filesystem::path& cache, RepoFacts& facts);

struct ReadContext {
  unsigned threads;
  std::uint64_t max_bytes;
  FrameFormat format;
  Progress* progress;
};

// Reads every file of the commit's tree into documents, written to `writer` in path order. Throws
// Error (for a corrupt repository); the caller then drops what was written.
void read_repository(const LocalRepository& repo, const ReadContext& context, UnitWriter& writer, RepoFacts& facts);

}  // namespace sluice::ingest
