// A run killed with SIGKILL at any moment, then run again, ends byte-identical to a run that was
// never interrupted.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "sluice/core/shard_set.h"
#include "test_support.h"

extern char** environ;

using namespace sluice;
using namespace sluice::test;

namespace {

}  // namespace

TEST(Resume, KilledRunsFinishWithTheOutputOfAnUninterruptedRun) {
  TempDir dir;
  std::filesystem::create_directories(dir / "in");
  for (std::size_t i = 0; i < 8; ++i) write_documents(dir / "in" / shard_name(i), 4000, i);
  const std::vector<std::string> base = {SLUICE_BINARY, "convert", "--in", (dir / "in").string(), "--level", "6", "--threads", "2", "--out"};

  auto reference_args = base;
  reference_args.push_back((dir / "reference").string());
  const auto reference_args_tail = std::vector<std::string>(reference_args.begin() + 1, reference_args.end());
  ASSERT_EQ(run_sluice(reference_args_tail).exit_code, 0);
  const auto expected = tree_digest(dir / "reference");

  std::mt19937 random(12345);
  for (int attempt = 0; attempt < 4; ++attempt) {
    const auto out = dir / ("killed-" + std::to_string(attempt));
    auto args = base;
    args.push_back(out.string());
    // Kill at several points, resuming each time, then let the last run finish.
    for (int kill = 0; kill < 3; ++kill) {
      const pid_t pid = spawn_quiet(args);
      std::this_thread::sleep_for(std::chrono::milliseconds(20 + random() % 300));
      ::kill(pid, SIGKILL);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
    const auto tail = std::vector<std::string>(args.begin() + 1, args.end());
    const auto final_run = run_sluice(tail);
    ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
    EXPECT_EQ(tree_digest(out), expected) << "attempt " << attempt;
  }
}
