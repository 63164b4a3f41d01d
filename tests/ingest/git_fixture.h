#pragma once
// Real git repositories for the ingest tests, made with the git command line, and a git daemon
// on 127.0.0.1 so that libgit2's network transport runs for real.
#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sluice/core/document.h"

namespace sluice::test {

// Runs git with a fixed identity and date; throws with git's stderr when it fails.
std::string git(const std::filesystem::path& repo, const std::vector<std::string>& args);

// A new repository at `dir` (branch main) with `files` committed; returns HEAD's commit id.
std::string make_repo(const std::filesystem::path& dir, const std::map<std::string, std::string>& files);
// Writes `files` into the work tree and commits them; returns the new commit id.
std::string commit_files(const std::filesystem::path& dir, const std::map<std::string, std::string>& files,
                         const std::string& message = "change");

std::string file_url(const std::filesystem::path& path);

// `git daemon` serving every repository under `root` on a free port of 127.0.0.1.
class GitDaemon {
 public:
  explicit GitDaemon(const std::filesystem::path& root);
  ~GitDaemon();
  GitDaemon(const GitDaemon&) = delete;
  GitDaemon& operator=(const GitDaemon&) = delete;
  std::string url(const std::string& repo) const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// The documents of a shard set, keyed by metadata.path.
std::map<std::string, Document> read_shard_set(const std::filesystem::path& dir);

// The lines of OUT/repos.jsonl.zst.
std::vector<std::string> read_repo_records(const std::filesystem::path& dir);

}  // namespace sluice::test
