// End-to-end: the order of documents does not depend on the threads, and a run killed half-way
// and run again ends with exactly the output of an uninterrupted run, reusing what was complete.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "git_fixture.h"
#include "sluice/core/shard_set.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

// Files of many sizes, so that a repository spans several chunks and frames (--shard-mb 1 makes
// frames of 128 KB).
std::map<std::string, std::string> varied_files(int count, int seed) {
  std::mt19937 random(static_cast<unsigned>(seed));
  std::map<std::string, std::string> files;
  for (int i = 0; i < count; ++i) {
    const std::string dir = "pkg" + std::to_string(i % 7) + (i % 3 == 0 ? "/sub" : "");
    const std::string ext = i % 4 == 0 ? ".h" : i % 4 == 1 ? ".py" : i % 4 == 2 ? ".md" : ".c";
    std::string text = "// file " + std::to_string(i) + " of " + std::to_string(seed) + "\n";
    const std::size_t lines = 5 + random() % 400;
    for (std::size_t line = 0; line < lines; ++line) text += "int value_" + std::to_string(random() % 100000) + " = 1;\n";
    files[dir + "/f" + std::to_string(i) + ext] = text;
  }
  return files;
}

struct Inputs {
  TempDir dir;
  std::vector<std::string> repos;
  std::filesystem::path docs = dir / "docs";
  Inputs() {
    for (int r = 0; r < 3; ++r) {
      const auto path = dir / ("repo" + std::to_string(r));
      make_repo(path, varied_files(r == 1 ? 260 : 60, r));
      repos.push_back(path.string());
    }
    std::filesystem::create_directories(docs);
    for (int i = 0; i < 70; ++i) write_text(docs / ("page" + std::to_string(i) + ".md"), "# Page " + std::to_string(i) + "\n\ntext\n");
  }
  std::vector<std::string> args(const std::filesystem::path& out, int threads) const {
    std::vector<std::string> args = {"ingest", "--out", out.string(), "--shard-mb", "1", "-j", std::to_string(threads)};
    args.insert(args.end(), repos.begin(), repos.end());
    args.push_back("--docs");
    args.push_back(docs.string());
    return args;
  }
};

std::vector<std::string> with_binary(std::vector<std::string> args) {
  args.insert(args.begin(), SLUICE_BINARY);
  return args;
}

}  // namespace

TEST(IngestOrder, ShardsAreByteIdenticalWhateverTheThreads) {
  Inputs inputs;
  TempDir out;
  const auto one = run_sluice(inputs.args(out / "one", 1));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto four = run_sluice(inputs.args(out / "four", 4));
  ASSERT_EQ(four.exit_code, 0) << four.err;
  const auto digest = tree_digest(out / "one");
  EXPECT_EQ(digest, tree_digest(out / "four"));

  // Repositories in input order, docs inputs after them, each in path order.
  const auto manifest = Manifest::load(out / "one");
  EXPECT_GE(manifest.shards().size(), 2u);
  std::vector<std::pair<std::size_t, std::string>> order;
  for (const auto& file : list_document_files(out / "one")) {
    for (const auto& doc : read_documents(file)) {
      const std::string repo = doc.metadata.get_string("repo").value_or("?");
      const auto at = std::find(inputs.repos.begin(), inputs.repos.end(), repo);
      order.emplace_back(static_cast<std::size_t>(at - inputs.repos.begin()), doc.metadata.get_string("path").value_or("?"));
    }
  }
  EXPECT_EQ(order.size(), 60u + 260u + 60u + 70u);
  EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  EXPECT_FALSE(std::filesystem::exists(out / "one" / ".ingest-units"));
}

// --level 0 stores the documents uncompressed in zstd frames: the same documents, in the same
// order, larger shards; the manifest's digests hold for them as for compressed ones.
TEST(IngestOrder, LevelZeroStoresTheSameDocumentsUncompressed) {
  Inputs inputs;
  TempDir out;
  auto stored_args = inputs.args(out / "stored", 2);
  stored_args.insert(stored_args.end(), {"--level", "0"});
  const auto stored = run_sluice(stored_args);
  ASSERT_EQ(stored.exit_code, 0) << stored.err;
  const auto compressed = run_sluice(inputs.args(out / "compressed", 2));
  ASSERT_EQ(compressed.exit_code, 0) << compressed.err;
  const auto stored_text = run_sluice({"cat", (out / "stored").string()});
  ASSERT_EQ(stored_text.exit_code, 0) << stored_text.err;
  EXPECT_EQ(stored_text.out, run_sluice({"cat", (out / "compressed").string()}).out);
  std::uintmax_t stored_bytes = 0, compressed_bytes = 0;
  for (const auto& file : list_document_files(out / "stored")) stored_bytes += std::filesystem::file_size(file);
  for (const auto& file : list_document_files(out / "compressed")) compressed_bytes += std::filesystem::file_size(file);
  EXPECT_GT(stored_bytes, 2 * compressed_bytes);
  const auto check = run_sluice({"stats", (out / "stored").string()});
  EXPECT_EQ(check.exit_code, 0) << check.err;
  // Out of range: a usage error before any work.
  EXPECT_EQ(run_sluice({"ingest", "--out", (out / "bad").string(), "--level", "23", inputs.repos[0]}).exit_code, 1);
}

// A docs input that is a FIFO holds the run after the repositories are complete: the kill lands
// at a known point. A repository that changed meanwhile is read again; the others are reused.
TEST(IngestResume, KilledAfterSomeRepositoriesTheRerunReusesThemAndMatchesAnUninterruptedRun) {
  Inputs inputs;
  TempDir out;
  const auto killed = out / "killed";
  std::filesystem::remove_all(inputs.docs);
  ASSERT_EQ(::mkfifo(inputs.docs.c_str(), 0600), 0);
  const pid_t pid = spawn_quiet(with_binary(inputs.args(killed, 2)));
  const auto marker = killed / ".ingest-units" / "r00002" / kManifestName;
  for (int i = 0; i < 1200 && !std::filesystem::exists(marker); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(std::filesystem::exists(marker)) << "the repositories were not read within a minute";
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_FALSE(std::filesystem::exists(killed / kManifestName));

  std::filesystem::remove(inputs.docs);
  std::filesystem::create_directories(inputs.docs);
  write_text(inputs.docs / "only.md", "# The only page\n");
  commit_files(inputs.repos[2], {{"late.py", "print('late')\n"}});
  auto rerun_args = inputs.args(killed, 2);
  rerun_args.push_back("--json");
  const auto rerun = run_sluice(rerun_args);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("\"repos_reused\": 2"), std::string::npos) << rerun.out;
  EXPECT_NE(rerun.out.find("\"docs_reused\": 0"), std::string::npos) << rerun.out;

  const auto uninterrupted = run_sluice(inputs.args(out / "uninterrupted", 2));
  ASSERT_EQ(uninterrupted.exit_code, 0) << uninterrupted.err;
  EXPECT_EQ(tree_digest(killed), tree_digest(out / "uninterrupted"));
  EXPECT_TRUE(read_shard_set(killed).count("late.py"));
  EXPECT_FALSE(std::filesystem::exists(killed / ".ingest-units"));
}

// Kills at whatever point the run has reached (fetching, reading, writing the shards), resuming
// each time: the last run still ends with the uninterrupted output.
TEST(IngestResume, KilledAtRandomPointsTheLastRunMatchesAnUninterruptedRun) {
  Inputs inputs;
  TempDir out;
  ASSERT_EQ(run_sluice(inputs.args(out / "reference", 2)).exit_code, 0);
  const auto expected = tree_digest(out / "reference");
  std::mt19937 random(7);
  const auto killed = out / "killed";
  for (int kill = 0; kill < 4; ++kill) {
    const pid_t pid = spawn_quiet(with_binary(inputs.args(killed, 2)));
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + random() % 600));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  const auto last = run_sluice(inputs.args(killed, 2));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(tree_digest(killed), expected);
}
