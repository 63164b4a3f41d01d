// What `sluice dedup` does with bad input: an error that names the file (and line) and says
// what to do, exit status 1, and nothing half-written under a final name.
#include <gtest/gtest.h>

#include "dedup_test_util.h"

using namespace sluice;
using namespace sluice::test;

namespace {

RunResult dedup(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> args = {"dedup", "--in", (dir / "in").string(), "--out", (dir / "out").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_sluice(args);
}

void expect_error(const RunResult& result, const std::string& needle) {
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
}

void write_two(const TempDir& dir) {
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("a", "alpha beta gamma delta epsilon zeta"), doc_with("b", "eta theta iota kappa lambda mu")});
}

}  // namespace

TEST(DedupBadInput, MissingInputDirectory) {
  TempDir dir;
  expect_error(dedup(dir, {}), (dir / "in").string());
}

TEST(DedupBadInput, DirectoryWithoutDocuments) {
  TempDir dir;
  std::filesystem::create_directories(dir / "in");
  write_text(dir / "in" / "notes.txt", "not documents");
  const auto result = dedup(dir, {});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("in"), std::string::npos) << result.err;
}

TEST(DedupBadInput, MalformedRecordNamesFileAndLine) {
  TempDir dir;
  std::filesystem::create_directories(dir / "in");
  write_text(dir / "in" / "a.jsonl", "{\"id\":\"a\",\"text\":\"fine text here\"}\n{\"id\":\"b\",\"text\":\n");
  expect_error(dedup(dir, {}), "a.jsonl:2");
}

TEST(DedupBadInput, OptionsOutOfRange) {
  TempDir dir;
  write_two(dir);
  expect_error(dedup(dir, {"--threshold", "0"}), "--threshold");
  expect_error(dedup(dir, {"--threshold", "1.5"}), "--threshold");
  expect_error(dedup(dir, {"--mode", "fuzzy"}), "--mode");
  expect_error(dedup(dir, {"--bands", "30", "--rows", "10"}), "--num-perm");
  expect_error(dedup(dir, {"--bands", "30"}), "--rows");
  expect_error(dedup(dir, {"--phase", "2", "--task", "3", "--tasks", "2"}), "--task");
  expect_error(run_sluice({"dedup", "--out", (dir / "out").string()}), "--in");
}

TEST(DedupBadInput, OutputIsTheInputDirectory) {
  TempDir dir;
  write_two(dir);
  expect_error(run_sluice({"dedup", "--in", (dir / "in").string(), "--out", (dir / "in").string()}), "--out");
}

TEST(DedupBadInput, ReferenceIsTheInput) {
  TempDir dir;
  write_two(dir);
  expect_error(dedup(dir, {"--against", (dir / "in").string()}), "--against");
}

TEST(DedupBadInput, DamagedWorkFileIsReportedWithWhatToDo) {
  TempDir dir;
  write_two(dir);
  ASSERT_EQ(dedup(dir, {"--phase", "1"}).exit_code, 0);
  const auto keys = dir / "out" / "dedup-work" / "keys" / "band000-00000.keys";
  ASSERT_TRUE(std::filesystem::exists(keys));
  std::filesystem::resize_file(keys, std::filesystem::file_size(keys) - 5);
  const auto result = dedup(dir, {"--phase", "2"});
  expect_error(result, "band000-00000.keys");
  EXPECT_NE(result.err.find("delete"), std::string::npos) << result.err;
}

TEST(DedupBadInput, SinglePhaseRefusesWorkMadeWithOtherOptions) {
  TempDir dir;
  write_two(dir);
  ASSERT_EQ(dedup(dir, {"--phase", "1"}).exit_code, 0);
  expect_error(dedup(dir, {"--phase", "2", "--threshold", "0.9"}), "other options");
}

TEST(DedupBadInput, EmptyAndTokenlessTextsAreKeptUnlessIdentical) {
  TempDir dir;
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("e1", ""), doc_with("e2", ""), doc_with("p1", "{}();"), doc_with("p2", "[];"),
                                           doc_with("w", "word")});
  const auto result = dedup(dir, {"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto removed = read_dir(dir / "out" / "rejected");
  ASSERT_EQ(removed.size(), 1u);  // only the identical empty text
  EXPECT_EQ(removed[0].id, "e2");
  EXPECT_NE(result.out.find("\"no_tokens\":4"), std::string::npos) << result.out;
}

TEST(DedupBadInput, RepeatedIdsAreStillTracked) {
  TempDir dir;
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("same", "one two three four five six"), doc_with("same", "one two three four five six"),
                                           doc_with("same", "seven eight nine ten eleven twelve")});
  ASSERT_EQ(dedup(dir, {}).exit_code, 0);
  EXPECT_EQ(read_dir(dir / "out").size(), 2u);
  EXPECT_EQ(read_dir(dir / "out" / "rejected").size(), 1u);
}
