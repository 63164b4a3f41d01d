#include "git_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "sluice/core/documents.h"
#include "sluice/core/io.h"
#include "sluice/core/shard_set.h"
#include "test_support.h"

extern char** environ;

namespace sluice::test {
namespace {

const std::vector<std::string> kGitEnv = {
    "GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com", "GIT_COMMITTER_NAME=Test",
    "GIT_COMMITTER_EMAIL=test@example.com", "GIT_AUTHOR_DATE=2024-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z", "GIT_CONFIG_NOSYSTEM=1", "HOME=/nonexistent"};

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

bool accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string git(const std::filesystem::path& repo, const std::vector<std::string>& args) {
  std::vector<std::string> full = {"-C", repo.string(), "-c", "init.defaultBranch=main", "-c", "protocol.file.allow=always"};
  full.insert(full.end(), args.begin(), args.end());
  const RunResult result = run("/usr/bin/git", full, kGitEnv);
  if (result.exit_code != 0) {
    std::string command;
    for (const auto& arg : args) command += " " + arg;
    throw std::runtime_error("git" + command + " failed: " + result.err);
  }
  std::string out = result.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string commit_files(const std::filesystem::path& dir, const std::map<std::string, std::string>& files,
                         const std::string& message) {
  for (const auto& [path, content] : files) {
    std::filesystem::create_directories((dir / path).parent_path());
    write_text(dir / path, content);
  }
  git(dir, {"add", "-A"});
  git(dir, {"commit", "-q", "-m", message});
  return git(dir, {"rev-parse", "HEAD"});
}

std::string make_repo(const std::filesystem::path& dir, const std::map<std::string, std::string>& files) {
  std::filesystem::create_directories(dir);
  git(dir, {"init", "-q"});
  return commit_files(dir, files, "initial");
}

std::string file_url(const std::filesystem::path& path) { return "file://" + std::filesystem::absolute(path).string(); }

GitDaemon::GitDaemon(const std::filesystem::path& root) {
  port_ = free_port();
  std::vector<std::string> args = {"/usr/bin/git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                                   "--port=" + std::to_string(port_), "--base-path=" + root.string(), root.string()};
  pid_ = spawn_quiet(args);
  for (int i = 0; i < 200 && !accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  if (!accepts(port_)) throw std::runtime_error("git daemon did not start on port " + std::to_string(port_));
}

GitDaemon::~GitDaemon() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

std::string GitDaemon::url(const std::string& repo) const {
  return "git://127.0.0.1:" + std::to_string(port_) + "/" + repo;
}

std::map<std::string, Document> read_shard_set(const std::filesystem::path& dir) {
  std::map<std::string, Document> docs;
  for (const auto& file : list_document_files(dir)) {
    for (auto& doc : read_documents(file)) {
      const std::string key = doc.metadata.get_string("path").value_or("?");
      docs[key] = std::move(doc);
    }
  }
  return docs;
}

std::vector<std::string> read_repo_records(const std::filesystem::path& dir) {
  auto source = open_source(dir / "repos.jsonl.zst");
  std::string text;
  char buffer[65536];
  for (std::size_t n; (n = source->read(buffer, sizeof(buffer))) > 0;) text.append(buffer, n);
  std::vector<std::string> lines;
  for (std::size_t start = 0; start < text.size();) {
    const auto end = text.find('\n', start);
    lines.push_back(text.substr(start, end - start));
    start = end == std::string::npos ? text.size() : end + 1;
  }
  return lines;
}

}  // namespace sluice::test
