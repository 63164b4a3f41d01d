#pragma once
// Shard sets (design.md, "Shard sets"): a directory of part-NNNNN.jsonl.zst plus manifest.json.
// The manifest is what makes a stage resumable: a shard whose entry is complete, whose config hash
// is unchanged and whose file is still there with the recorded size is not made again.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice {

inline constexpr const char* kManifestName = "manifest.json";
inline constexpr const char* kRejectedDir = "rejected";

std::string shard_name(std::size_t index);  // "part-00042.jsonl.zst"

// The document files a path names: a file is itself; a directory gives its *.jsonl, *.json,
// *.jsonl.zst, *.jsonl.gz, *.json.gz, *.zst and *.gz files, sorted by name (not recursive, so
// rejected/ is not read). In a shard set (a directory with manifest.json) only the part-* files
// are documents: a stage may keep side files beside them (ingest's repos.jsonl.zst). A path that
// does not exist, or a directory without documents, is an Error.
std::vector<std::filesystem::path> list_document_files(const std::filesystem::path& path);

struct ShardRecord {
  std::string name;         // file name inside the shard set
  std::string input;        // what it was made from
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;   // UTF-8 bytes of the texts
  std::uint64_t file_bytes = 0;   // size of the file
  std::string xxh3;               // XXH3-128 of the file, hex
  std::string config_hash;
  bool complete = false;
  std::map<std::string, std::uint64_t> counters;  // stage-specific: kept, rejected by reason...
};

class Manifest {
 public:
  // Reads DIR/manifest.json; an absent file gives an empty manifest, a corrupt one an Error.
  static Manifest load(const std::filesystem::path& directory);
  void save(const std::filesystem::path& directory) const;  // atomically

  const ShardRecord* find(const std::string& name) const;
  void put(ShardRecord record);
  const std::vector<ShardRecord>& shards() const { return shards_; }

  std::string stage;
  std::string config_hash;
  std::string config_json = "{}";  // the options that made this set, as JSON
  // Further top-level fields a stage records (raw JSON values, e.g. ingest's "failures"); kept
  // verbatim through load and save.
  std::vector<std::pair<std::string, std::string>> extra;

 private:
  std::vector<ShardRecord> shards_;
};

// True when `record` describes a finished shard made with `config_hash` whose file is intact in size.
bool shard_is_reusable(const std::filesystem::path& directory, const ShardRecord* record,
                       const std::string& config_hash);

// Hash of a stage's identity and options: changing an option changes every shard's hash.
std::string config_hash(const std::string& stage, const std::string& canonical_options);

}  // namespace sluice
