#include "test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

#include "sluice/core/documents.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"

extern char** environ;

namespace sluice::test {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sluice-test-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}


RunResult run(const std::string& binary, const std::vector<std::string>& args, const std::vector<std::string>& env) {
  TempDir scratch;
  const auto out_path = scratch / "stdout";
  const auto err_path = scratch / "stderr";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_text = {binary};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : argv_text) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  env_text.insert(env_text.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (auto& entry : env_text) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot run " + binary);
  int status = 0;
  ::waitpid(pid, &status, 0);
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  result.out = read_text(out_path);
  result.err = read_text(err_path);
  return result;
}

pid_t spawn_quiet(const std::vector<std::string>& args) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int spawned = ::posix_spawn(&pid, copy[0].c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) throw std::runtime_error("cannot start " + copy[0]);
  return pid;
}

RunResult run_sluice(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  return run(SLUICE_BINARY, args, env);
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_gzip(const std::filesystem::path& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (file == nullptr) throw std::runtime_error("gzopen failed");
  gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
  gzclose(file);
}

std::string zstd_compress(const std::string& text, int level) {
  struct StringSink final : ByteSink {
    std::string data;
    void write(const char* bytes, std::size_t size) override { data.append(bytes, size); }
  } sink;
  ZstdSink zstd(sink, level, "memory");
  zstd.write(text.data(), text.size());
  zstd.finish();
  return sink.data;
}

void write_zstd(const std::filesystem::path& path, const std::string& text, int level) {
  write_text(path, zstd_compress(text, level));
}

Document make_document(const std::string& id, const std::string& text, const std::string& lang) {
  Document doc;
  doc.id = id;
  doc.text = text;
  doc.source = "git";
  doc.metadata.set_string("repo", "https://example.org/repo.git");
  doc.metadata.set_string("path", "src/" + id + ".py");
  doc.metadata.set_string("lang", lang);
  doc.metadata.set_int("bytes", static_cast<std::int64_t>(text.size()));
  return doc;
}

std::vector<Document> write_documents(const std::filesystem::path& path, std::size_t count, std::size_t seed) {
  std::mt19937_64 random(seed);
  static const std::vector<std::string> kWords = {"def", "return", "class", "import", "for", "while", "x", "y",
                                                  "value", "=", "+", "(", ")", ":", "\n", "    ", "\"é\"", "λ"};
  std::vector<Document> docs;
  DocumentWriter writer(path);
  for (std::size_t i = 0; i < count; ++i) {
    std::string text;
    const std::size_t words = 5 + random() % 200;
    for (std::size_t w = 0; w < words; ++w) text += kWords[random() % kWords.size()] + " ";
    docs.push_back(make_document("doc-" + std::to_string(seed) + "-" + std::to_string(i), text,
                                 i % 3 == 0 ? "C" : "Python"));
    writer.write(docs.back());
  }
  writer.finish();
  return docs;
}

std::vector<Document> read_documents(const std::filesystem::path& path) {
  std::vector<Document> docs;
  DocumentReader reader(path);
  Document doc;
  while (reader.next(doc)) docs.push_back(doc);
  return docs;
}

std::vector<std::pair<std::string, std::string>> tree_digest(const std::filesystem::path& root) {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    files.emplace_back(std::filesystem::relative(entry.path(), root).string(), hash_file(entry.path()).hex());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace sluice::test
