// The Slurm executor against a real single-node cluster (slurmctld, slurmd and munge on
// 127.0.0.1, started by scripts/slurm-local for this test and stopped after it).
#include <gtest/gtest.h>

#include "pipelines_test_support.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

bool have(const char* tool) {
  for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
    if (std::filesystem::exists(std::filesystem::path(dir) / tool)) return true;
  }
  return false;
}

class LocalCluster {
 public:
  explicit LocalCluster(const std::filesystem::path& dir) : dir_(dir) {
    const auto started = run(script(), {"start", dir_.string()});
    ok_ = started.exit_code == 0;
    error_ = started.err;
  }
  ~LocalCluster() { run(script(), {"stop", dir_.string()}); }
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;
  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  std::string env() const { return "SLURM_CONF=" + (dir_ / "slurm.conf").string(); }

 private:
  static std::string script() { return std::string(SLUICE_SOURCE_DIR) + "/scripts/slurm-local"; }
  std::filesystem::path dir_;
  bool ok_ = false;
  std::string error_;
};

std::size_t count_files(const std::filesystem::path& dir, const std::string& prefix) {
  std::size_t n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.path().filename().string().rfind(prefix, 0) == 0 ? 1 : 0;
  return n;
}

}  // namespace

TEST(Slurm, ArrayJobsGiveTheSameOutputsAsTheLocalExecutorAndRerunOnlyMissingTasks) {
  if (!have("slurmctld") || !have("slurmd") || !have("munged") || !have("sbatch")) {
    GTEST_SKIP() << "slurm-wlm and munge are not installed (scripts/setup installs them): the Slurm executor is not tested";
  }
  TempDir dir;
  // Slurm's own files go in a short path: socket paths have a length limit.
  LocalCluster cluster(dir / "slurm");
  ASSERT_TRUE(cluster.ok()) << cluster.error();

  write_corpus(dir / "in", 7, 300);
  write_text(dir / "pipeline.yaml", three_stage_pipeline(dir / "in", 3));
  const auto local_dir = dir / "local", slurm_dir = dir / "cluster";
  ASSERT_EQ(run_sluice({"run", (dir / "pipeline.yaml").string(), "--run-dir", local_dir.string()}).exit_code, 0);
  const auto submitted = run_sluice({"run", (dir / "pipeline.yaml").string(), "--run-dir", slurm_dir.string(), "--executor", "slurm"},
                                    {cluster.env()});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_NE(submitted.err.find("submitted (job"), std::string::npos) << submitted.err;
  const auto expected = run_outputs(local_dir);
  ASSERT_FALSE(expected.empty());
  EXPECT_EQ(run_outputs(slurm_dir), expected);
  // Each data stage ran as an array of 3 tasks plus a merge job, with per-task markers.
  const auto code = slurm_dir / "stages" / "code";
  EXPECT_EQ(count_files(code / "logs", "slurm-"), 4u);
  for (int task = 0; task < 3; ++task) EXPECT_TRUE(std::filesystem::exists(code / "tasks" / (std::to_string(task) + ".done.json")));

  // Lose one task of the middle stage (its marker and output) and the stage record: a rerun
  // submits only that task, and the outputs come back the same.
  std::filesystem::remove(code / "stage.json");
  std::filesystem::remove(code / "tasks" / "1.done.json");
  std::filesystem::remove_all(code / "tasks" / "1" / "out");
  const auto logs_before = count_files(code / "logs", "slurm-");
  const auto rerun = run_sluice({"run", (dir / "pipeline.yaml").string(), "--run-dir", slurm_dir.string(), "--executor", "slurm"},
                                {cluster.env()});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_NE(rerun.err.find("code (select): partly done; 1 of 3 tasks to run"), std::string::npos) << rerun.err;
  EXPECT_NE(rerun.err.find("raw: done already"), std::string::npos) << rerun.err;
  EXPECT_EQ(count_files(code / "logs", "slurm-"), logs_before + 2) << "one array task and one merge";
  EXPECT_EQ(run_outputs(slurm_dir), expected);

  // While jobs of an earlier submission are still in the queue, a new run does not submit more.
  const auto sleeper = run("/usr/bin/sbatch", {"--parsable", "--wrap", "sleep 60", "--output=/dev/null"}, {cluster.env()});
  ASSERT_EQ(sleeper.exit_code, 0) << sleeper.err;
  std::string job = sleeper.out.substr(0, sleeper.out.find_first_of(";\n"));
  write_text(slurm_dir / "slurm-jobs", job + "\n");
  std::filesystem::remove(code / "stage.json");
  const auto refused = run_sluice({"run", (dir / "pipeline.yaml").string(), "--run-dir", slurm_dir.string(), "--executor", "slurm"},
                                  {cluster.env()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Slurm jobs " + job + " of an earlier 'sluice run'"), std::string::npos) << refused.err;
  run("/usr/bin/scancel", {job}, {cluster.env()});

  // A task that fails leaves the stage unfinished and the run says where the logs are.
  write_text(dir / "broken.yaml", three_stage_pipeline(dir / "in", 2) + "  - stage: select\n    name: broken\n    where: [no-equals-sign]\n");
  const auto failed = run_sluice({"run", (dir / "broken.yaml").string(), "--run-dir", (dir / "broken").string(), "--executor", "slurm"},
                                 {cluster.env()});
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("stage 'broken' did not finish under Slurm"), std::string::npos) << failed.err;
}
