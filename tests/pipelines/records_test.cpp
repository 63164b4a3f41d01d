// How the run directory identifies inputs and outputs.
#include <gtest/gtest.h>

#include "../../pipelines/src/internal.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::pipelines::detail;
using namespace sluice::test;

TEST(Records, ARepositoryIsItsHeadCommitAndADirectoryIsItsListing) {
  TempDir dir;
  const auto repo = dir / "repo";
  std::filesystem::create_directories(repo);
  write_text(repo / "a.py", "print(1)\n");
  const std::string git = "git -C " + repo.string() + " -c user.name=t -c user.email=t@localhost ";
  ASSERT_EQ(std::system((git + "init -q && " + git + "add a.py && " + git + "commit -q -m one").c_str()), 0);
  const auto first = input_identity({}, {"git:" + repo.string()});
  EXPECT_NE(first.json.find("\"git_head\""), std::string::npos) << first.json;
  write_text(repo / "build-output.txt", "not committed\n");
  EXPECT_EQ(input_identity({}, {"git:" + repo.string()}).digest, first.digest) << "files outside HEAD do not count";
  ASSERT_EQ(std::system((git + "add build-output.txt && " + git + "commit -q -m two").c_str()), 0);
  EXPECT_NE(input_identity({}, {"git:" + repo.string()}).digest, first.digest) << "a new commit does";

  const auto listing = input_identity({}, {repo.string()});
  write_text(repo / "more.txt", "x\n");
  EXPECT_NE(input_identity({}, {repo.string()}).digest, listing.digest) << "a plain directory is its listing";
  EXPECT_FALSE(input_identity({(dir / "no-stage").string()}, {}).complete) << "an upstream without a record is pending";
}

TEST(Records, OutputListingsHashEveryFileAndSkipTemporaries) {
  TempDir dir;
  std::filesystem::create_directories(dir / "out" / "rejected");
  write_text(dir / "out" / "part-00000.jsonl.zst", "abc");
  write_text(dir / "out" / "rejected" / "part-00000.jsonl.zst", "de");
  write_text(dir / "out" / "part-00001.jsonl.zst.tmp-123-0", "partial");
  const auto files = list_outputs(dir / "out");
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].path, "part-00000.jsonl.zst");
  EXPECT_EQ(files[1].path, "rejected/part-00000.jsonl.zst");
  EXPECT_EQ(files[0].size, 3u);
  write_text(dir / "out" / "part-00000.jsonl.zst", "abd");
  EXPECT_NE(digest_of(list_outputs(dir / "out")), digest_of(files));
}
