#pragma once
// Helpers shared by the tests: scratch directories, running the sluice binary, writing inputs.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sluice/core/document.h"

namespace sluice::test {

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;       // -signal when killed by a signal
  std::string out;
  std::string err;
};

// Runs `binary args...` with extra environment entries ("NAME=value"); stdin is /dev/null.
RunResult run(const std::string& binary, const std::vector<std::string>& args,
              const std::vector<std::string>& env = {});
// Starts `args` (args[0] is the program) in the background with stdin, stdout and stderr on
// /dev/null, for tests that kill or outlive it; throws when it cannot start.
pid_t spawn_quiet(const std::vector<std::string>& args);

RunResult run_sluice(const std::vector<std::string>& args, const std::vector<std::string>& env = {});

void write_text(const std::filesystem::path& path, const std::string& text);
std::string read_text(const std::filesystem::path& path);
void write_gzip(const std::filesystem::path& path, const std::string& text);
void write_zstd(const std::filesystem::path& path, const std::string& text, int level = 3);
std::string zstd_compress(const std::string& text, int level = 3);

Document make_document(const std::string& id, const std::string& text, const std::string& lang = "Python");
// Writes `count` generated documents to `path` (a .jsonl.zst shard) and returns them.
std::vector<Document> write_documents(const std::filesystem::path& path, std::size_t count, std::size_t seed = 0);
std::vector<Document> read_documents(const std::filesystem::path& path);

// XXH3-128 of every regular file below `root`, by relative path: for byte-identical comparisons.
std::vector<std::pair<std::string, std::string>> tree_digest(const std::filesystem::path& root);

}  // namespace sluice::test
