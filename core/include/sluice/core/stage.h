#pragma once
// The shape most stages share: input shard i becomes output shard i, documents are kept or
// rejected one at a time, shards run in parallel, finished shards are recorded in the manifest
// and skipped on a rerun with the same options and the same input. What a stage removes goes to
// rejected/ with the reason in metadata.rejected_by: nothing disappears silently.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sluice/core/document.h"
#include "sluice/core/documents.h"

namespace sluice {

// Where one shard's documents go. Used by one thread at a time.
class ShardOutput {
 public:
  virtual ~ShardOutput() = default;
  virtual void keep(const Document& doc) = 0;
  // Writes `doc` to rejected/ with metadata.rejected_by = reason (e.g. "filter:max_line_length").
  virtual void reject(Document& doc, std::string_view reason) = 0;
  virtual void count(const std::string& counter, std::uint64_t amount = 1) = 0;
};

struct StageOptions {
  std::string stage;                  // names the stage in the manifest and the config hash
  std::string options_json = "{}";    // canonical options: changing one redoes every shard
  std::filesystem::path out;
  unsigned threads = 0;               // 0 = one per CPU
  WriterOptions writer;
  bool show_progress = true;
};

struct StageReport {
  std::size_t shards = 0;
  std::size_t shards_skipped = 0;     // finished by an earlier run
  std::uint64_t documents_in = 0;
  std::uint64_t documents_out = 0;
  std::uint64_t documents_rejected = 0;
  std::uint64_t text_bytes_in = 0;
  std::uint64_t text_bytes_out = 0;
  std::map<std::string, std::uint64_t> counters;
  double seconds = 0;

  std::string to_json() const;
};

// Called for every document, on several threads at once (each on its own shard).
using DocumentFunction = std::function<void(Document& doc, ShardOutput& out)>;

// Runs `fn` over every document of `inputs`, writing OUT/part-NNNNN.jsonl.zst for input N.
// An Error in one shard stops the run after the shards in flight end; finished shards stay
// recorded, the failed one leaves nothing behind, and the Error is rethrown.
StageReport run_document_stage(const std::vector<std::filesystem::path>& inputs, const StageOptions& options,
                               const DocumentFunction& fn);

}  // namespace sluice
