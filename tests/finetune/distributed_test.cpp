// Data-parallel training through the real binary: --nproc 2 against one process with the same
// global batch, a rank that dies or hangs, resume on another world size; plus the launch
// environment and the data split as units.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "sluice/finetune/data.h"
#include "sluice/finetune/distributed.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::finetune;
namespace fs = std::filesystem;

double number(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return NAN;
  return std::stod(json.substr(at + key.size() + 3));
}

// step -> loss (training lines) and step -> val_loss (evaluation lines) of a metrics.jsonl.
struct Curve {
  std::vector<double> loss, val_loss;
  std::size_t lines = 0;
};
Curve curve(const fs::path& metrics) {
  std::ifstream in(metrics);
  Curve c;
  std::string line;
  while (std::getline(in, line)) {
    ++c.lines;
    if (line.find("\"loss\":") != std::string::npos) c.loss.push_back(number(line, "loss"));
    if (line.find("\"val_loss\":") != std::string::npos) c.val_loss.push_back(number(line, "val_loss"));
  }
  return c;
}

void expect_same_curve(const Curve& a, const Curve& b, std::size_t from = 0) {
  ASSERT_EQ(a.loss.size(), b.loss.size());
  for (std::size_t i = from; i < a.loss.size(); ++i) EXPECT_NEAR(a.loss[i], b.loss[i], 1e-5) << "step " << i + 1;
  ASSERT_EQ(a.val_loss.size(), b.val_loss.size());
  for (std::size_t i = 0; i < a.val_loss.size(); ++i) EXPECT_NEAR(a.val_loss[i], b.val_loss[i], 1e-5) << "evaluation " << i;
}

class Distributed : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "data");
    write_llmc_tokens(dir / "data" / "train.bin", markov_tokens(3000, 64, 7, 1));
    write_llmc_tokens(dir / "data" / "val.bin", markov_tokens(600, 64, 7, 2));
    write_config(dir / "model.json", tiny_config());
  }
  // pretrain on the tiny corpus; --batch-size is per process.
  std::vector<std::string> args(const std::string& out, int batch, int steps = 6) const {
    return {"pretrain", "--config", (dir / "model.json").string(), "--data", (dir / "data").string(), "--out", (dir / out).string(),
            "--steps", std::to_string(steps), "--batch-size", std::to_string(batch), "--grad-accum", "2", "--seq-len", "16",
            "--lr", "3e-3", "--seed", "5", "--threads", "1", "--eval-every", "3", "--eval-batches", "3", "--json"};
  }
  static std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& more) {
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  TempDir dir;
};

TEST_F(Distributed, TwoProcessesTrainLikeOneWithTheGlobalBatch) {
  const auto one = run_sluice(args("one", 4));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto two = run_sluice(with(args("two", 2), {"--nproc", "2"}));
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(number(two.out, "world_size"), 2) << two.out;
  EXPECT_EQ(number(two.out, "steps_done"), 6);
  // Rank 0 alone reports and writes: one summary, one line per step and evaluation.
  EXPECT_EQ(two.out.find("\"command\""), two.out.rfind("\"command\"")) << two.out;
  const auto a = curve(dir / "one" / "metrics.jsonl"), b = curve(dir / "two" / "metrics.jsonl");
  EXPECT_EQ(b.lines, 8u);
  expect_same_curve(a, b);
  for (const char* file : {"model.safetensors", "optimizer.safetensors", "trainer_state.json", "best/model.safetensors"}) {
    EXPECT_TRUE(fs::exists(dir / "two" / file)) << file;
  }
}

TEST_F(Distributed, AKilledRankEndsTheJobAndResumeCompletes) {
  const auto killed = run_sluice(with(args("run", 2), {"--nproc", "2", "--save-every", "2", "--fault", "1:3:kill"}));
  EXPECT_EQ(killed.exit_code, 1) << killed.err;
  EXPECT_NE(killed.err.find("rank 1 of 2"), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find("SIGKILL"), std::string::npos) << killed.err;
  EXPECT_NE(killed.err.find("at step 2: rerun with --resume"), std::string::npos) << killed.err;
  const auto resumed = run_sluice(with(args("run", 2), {"--nproc", "2", "--resume"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(number(resumed.out, "start_step"), 2) << resumed.out;
  EXPECT_EQ(number(resumed.out, "steps_done"), 6);
  // The resumed run continues the interrupted one exactly: same curve as one uninterrupted process.
  ASSERT_EQ(run_sluice(args("one", 4)).exit_code, 0);
  expect_same_curve(curve(dir / "one" / "metrics.jsonl"), curve(dir / "run" / "metrics.jsonl"));
}

TEST_F(Distributed, AHungRankMakesTheOthersStopWithinTheTimeout) {
  const auto hung = run_sluice(with(args("run", 2), {"--nproc", "2", "--dist-timeout", "3", "--fault", "1:2:hang"}));
  EXPECT_EQ(hung.exit_code, 1) << hung.err;
  EXPECT_NE(hung.err.find("rank 0 of 2"), std::string::npos) << hung.err;
  EXPECT_NE(hung.err.find("did not answer within --dist-timeout 3 s"), std::string::npos) << hung.err;
  EXPECT_NE(hung.err.find("training failed"), std::string::npos) << hung.err;
}

TEST_F(Distributed, ResumeOnAnotherWorldSizeContinuesFromTheSameStep) {
  // Two processes at batch 2 stop after step 3; one process at batch 4 (the same global batch) finishes.
  const auto stopped = run_sluice(with(args("run", 2), {"--nproc", "2", "--stop-after", "3"}));
  ASSERT_EQ(stopped.exit_code, 130) << stopped.err;
  const auto resumed = run_sluice(with(args("run", 4), {"--resume"}));
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(number(resumed.out, "start_step"), 3) << resumed.out;
  EXPECT_NE(resumed.err.find("saved by 2 process(es) x batch 2 on 1 x batch 4"), std::string::npos) << resumed.err;
  ASSERT_EQ(run_sluice(args("one", 4)).exit_code, 0);
  expect_same_curve(curve(dir / "one" / "metrics.jsonl"), curve(dir / "run" / "metrics.jsonl"));
}

TEST(DistributedData, RanksTogetherReadTheGlobalBatchAcrossEpochs) {
  TempDir dir;
  write_llmc_tokens(dir / "train.bin", markov_tokens(200, 64, 3, 3));  // 12 windows of 16
  const WindowLoader loader({dir / "train.bin"}, 16, 9, true);
  DataCursor whole, part0, part1;
  Batch all, a, b;
  for (int step = 0; step < 5; ++step) {  // 5 x 6 windows: crosses two epoch boundaries
    loader.next(whole, 6, all);
    loader.next(part0, 6, 0, 3, a);
    loader.next(part1, 6, 3, 3, b);
    std::vector<std::int64_t> joined = a.inputs;
    joined.insert(joined.end(), b.inputs.begin(), b.inputs.end());
    EXPECT_EQ(joined, all.inputs) << "step " << step;
    EXPECT_EQ(part0.position, whole.position);
    EXPECT_EQ(part1.epoch, whole.epoch);
  }
}

// Sets environment variables for one test and restores them after.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::vector<std::pair<std::string, std::string>>& values) {
    for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT", "SLURM_PROCID",
                             "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_STEP_TASKS_PER_NODE", "SLURM_TASKS_PER_NODE",
                             "SLURM_STEP_NODELIST", "SLURM_JOB_NODELIST"}) {
      if (const char* old = std::getenv(name)) saved_.emplace_back(name, old);
      ::unsetenv(name);
      names_.push_back(name);
    }
    for (const auto& [name, value] : values) ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& name : names_) ::unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST(DistributedLaunch, ReadsTorchrunAndSlurmVariables) {
  {
    ScopedEnv env({});
    EXPECT_FALSE(launch_from_environment().distributed());
  }
  {
    ScopedEnv env({{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"}, {"MASTER_ADDR", "10.0.0.5"},
                   {"MASTER_PORT", "29600"}});
    const auto l = launch_from_environment();
    EXPECT_EQ(l.rank, 3);
    EXPECT_EQ(l.world_size, 4);
    EXPECT_EQ(l.local_rank, 1);
    EXPECT_EQ(l.master_addr, "10.0.0.5");
    EXPECT_EQ(l.master_port, 29600);
    EXPECT_EQ(worker_threads(l, 2), 1u);
    EXPECT_EQ(worker_threads(l, 16), 8u);
  }
  {
    ScopedEnv env({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"}, {"SLURM_STEP_TASKS_PER_NODE", "2(x4)"},
                   {"SLURM_STEP_NODELIST", "gpu[07-10],login1"}});
    const auto l = launch_from_environment();
    EXPECT_EQ(l.source, "slurm");
    EXPECT_EQ(l.rank, 5);
    EXPECT_EQ(l.world_size, 8);
    EXPECT_EQ(l.local_world_size, 2);
    EXPECT_EQ(l.master_addr, "gpu07");
    EXPECT_EQ(l.master_port, 29500);
  }
  {
    ScopedEnv env({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}});
    try {
      launch_from_environment();
      ADD_FAILURE() << "RANK 2 of WORLD_SIZE 2 accepted";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("RANK='2' must be an integer in [0, 1]"), std::string::npos) << e.what();
    }
  }
  {
    ScopedEnv env({{"RANK", "0"}, {"WORLD_SIZE", "2"}});
    EXPECT_THROW(launch_from_environment(), std::exception);  // no MASTER_ADDR
  }
}

TEST_F(Distributed, NprocInsideALauncherIsRefused) {
  const auto r = run_sluice(with(args("x", 2), {"--nproc", "2"}), {"WORLD_SIZE=2", "RANK=0", "MASTER_ADDR=127.0.0.1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("do not combine it with a launcher"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sluice::test
