// sluice run end to end: plan, records, invalidation, --from/--to, the lock, failures, and
// SIGKILL at random moments followed by a resume that ends byte-identical.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <thread>

#include "pipelines_test_support.h"
#include "sluice/core/shard_set.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

struct Fixture {
  TempDir dir;
  std::filesystem::path pipeline = dir / "pipeline.yaml";
  std::filesystem::path run_dir = dir / "run";
  Fixture(std::size_t shards = 6, std::size_t documents = 300, int tasks = 2) {
    write_corpus(dir / "in", shards, documents);
    write_text(pipeline, three_stage_pipeline(dir / "in", tasks));
  }
  RunResult run(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"run", pipeline.string()};
    for (auto& arg : extra) args.push_back(arg);
    return run_sluice(args);
  }
};

std::string status_of(const std::string& json, const std::string& stage) {
  const auto at = json.find("\"name\":\"" + stage + "\"");
  if (at == std::string::npos) return "";
  const auto status = json.find("\"status\":\"", at);
  const auto end = json.find('"', status + 10);
  return json.substr(status + 10, end - status - 10);
}

}  // namespace

TEST(Run, RunsEveryStageRecordsItAndDoesNothingTheSecondTime) {
  Fixture f;
  const auto dry = f.run({"--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("2. code (select), 2 tasks"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("will run: not run yet"), std::string::npos);
  EXPECT_NE(dry.out.find("--where source=git --sample 0.5 --seed 7"), std::string::npos) << "resolved options are shown";
  EXPECT_FALSE(std::filesystem::exists(f.run_dir)) << "a dry run writes nothing";

  const auto first = f.run({"--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  for (const char* stage : {"raw", "code", "python"}) EXPECT_EQ(status_of(first.out, stage), "ran") << first.out;
  // What the run directory records: the exact file, and per stage options, version, inputs, outputs.
  EXPECT_EQ(read_text(f.run_dir / "pipeline.yaml"), read_text(f.pipeline));
  const std::string record = read_text(f.run_dir / "stages" / "code" / "stage.json");
  for (const char* field : {"\"fingerprint\"", "\"config\"", "\"tool_version\"", "\"inputs\"", "\"outputs\"", "\"documents_in\""}) {
    EXPECT_NE(record.find(field), std::string::npos) << field;
  }
  EXPECT_NE(record.find("{\"stage\":\"raw\",\"digest\":"), std::string::npos) << "the input is the raw stage's output";
  // Every kept Python document and nothing else, under the global shard names.
  const auto kept = read_documents(f.run_dir / "stages" / "python" / "out" / shard_name(5));
  ASSERT_FALSE(kept.empty());
  for (const auto& doc : kept) {
    EXPECT_EQ(doc.metadata.get_text("lang").value_or(""), "Python");
    EXPECT_EQ(doc.id.rfind("doc-5-", 0), 0u) << "shard 5 holds what input shard 5 held";
  }
  const auto rejected = read_documents(f.run_dir / "stages" / "python" / "out" / "rejected" / shard_name(5));
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected.front().metadata.get_text("rejected_by").value_or(""), "select:where");

  const auto second = f.run({"--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  for (const char* stage : {"raw", "code", "python"}) EXPECT_EQ(status_of(second.out, stage), "done") << second.out;
  const auto dry_after = f.run({"--dry-run"});
  EXPECT_EQ(dry_after.out.find("will run"), std::string::npos) << dry_after.out;
}

TEST(Run, OutputsDoNotDependOnTheNumberOfTasks) {
  Fixture one(5, 200, 1);
  Fixture three(5, 200, 3);  // the same corpus, three tasks per stage
  ASSERT_EQ(one.run().exit_code, 0);
  ASSERT_EQ(three.run().exit_code, 0);
  auto a = run_outputs(one.run_dir), b = run_outputs(three.run_dir);
  ASSERT_EQ(a.size(), b.size());
  // Manifests name their input; everything else must be byte-identical.
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].first.find("manifest.json") == std::string::npos) {
      EXPECT_EQ(a[i], b[i]);
    }
  }
}

TEST(Run, ChangingAnOptionRedoesThatStageAndTheOnesAfterItOnly) {
  Fixture f;
  ASSERT_EQ(f.run().exit_code, 0);
  const auto raw_before = read_text(f.run_dir / "stages" / "raw" / "stage.json");

  // The last stage: only it runs again.
  write_text(f.pipeline, three_stage_pipeline(f.dir / "in", 2, "0.5", "C"));
  const auto dry = f.run({"--dry-run"});
  EXPECT_NE(dry.out.find("3. python (select), 2 tasks, fingerprint"), std::string::npos);
  EXPECT_NE(dry.out.find("will run: options changed"), std::string::npos) << dry.out;
  auto result = f.run({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(status_of(result.out, "raw"), "done");
  EXPECT_EQ(status_of(result.out, "code"), "done");
  EXPECT_EQ(status_of(result.out, "python"), "ran");
  for (const auto& doc : read_documents(f.run_dir / "stages" / "python" / "out" / shard_name(0))) {
    EXPECT_EQ(doc.metadata.get_text("lang").value_or(""), "C");
  }

  // The middle stage: it and the stage that reads it run again, the first does not.
  write_text(f.pipeline, three_stage_pipeline(f.dir / "in", 2, "0.8", "C"));
  const auto dry2 = f.run({"--dry-run"});
  EXPECT_NE(dry2.out.find("its input will be made again"), std::string::npos) << dry2.out;
  result = f.run({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(status_of(result.out, "raw"), "done");
  EXPECT_EQ(status_of(result.out, "code"), "ran");
  EXPECT_EQ(status_of(result.out, "python"), "ran");
  EXPECT_EQ(read_text(f.run_dir / "stages" / "raw" / "stage.json"), raw_before) << "the first stage was not touched";

  // An output deleted by hand: the stage is made again.
  std::filesystem::remove(f.run_dir / "stages" / "python" / "out" / shard_name(1));
  result = f.run({"--json"});
  EXPECT_EQ(status_of(result.out, "python"), "ran") << result.out;
  EXPECT_TRUE(std::filesystem::exists(f.run_dir / "stages" / "python" / "out" / shard_name(1)));
}

TEST(Run, FromAndToChooseTheStages) {
  Fixture f;
  auto result = f.run({"--to", "code", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(status_of(result.out, "code"), "ran");
  EXPECT_EQ(status_of(result.out, "python"), "not in range");
  EXPECT_FALSE(std::filesystem::exists(f.run_dir / "stages" / "python"));

  result = f.run({"--json"});
  EXPECT_EQ(status_of(result.out, "code"), "done");
  EXPECT_EQ(status_of(result.out, "python"), "ran");

  result = f.run({"--from", "code", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(status_of(result.out, "raw"), "done");
  EXPECT_EQ(status_of(result.out, "code"), "ran");
  EXPECT_EQ(status_of(result.out, "python"), "ran");

  EXPECT_EQ(f.run({"--from", "nope"}).exit_code, 1);
  const auto bad = f.run({"--from", "python", "--to", "raw"});
  EXPECT_NE(bad.err.find("comes after --to"), std::string::npos) << bad.err;
}

TEST(Run, RunDirOptionOverridesTheFile) {
  Fixture f;
  const auto other = f.dir / "elsewhere";
  ASSERT_EQ(f.run({"--run-dir", other.string()}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(other / "stages" / "python" / "stage.json"));
  EXPECT_FALSE(std::filesystem::exists(f.run_dir));
}

TEST(Run, ASecondRunOnTheSameDirectoryRefusesClearly) {
  Fixture f;
  std::filesystem::create_directories(f.run_dir);
  // Hold the lock the way a live run does: flock on RUN/lock, with who holds it inside.
  const int fd = ::open((f.run_dir / "lock").c_str(), O_RDWR | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string holder = "pid " + std::to_string(::getpid()) + " on " + host + " since now\n";
  ASSERT_EQ(::write(fd, holder.data(), holder.size()), static_cast<ssize_t>(holder.size()));
  const auto refused = f.run();
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("is in use by another 'sluice run' (pid " + std::to_string(::getpid())), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(f.run_dir / "stages" / "raw")) << "the refused run did nothing";
  ::close(fd);
  const auto after = f.run();
  EXPECT_EQ(after.exit_code, 0) << after.err;
}

TEST(Run, AFailingStageStopsTheRunAndNamesItsLog) {
  Fixture f;
  write_text(f.pipeline, three_stage_pipeline(f.dir / "in", 2, "0.5", "C") + "  - stage: select\n    name: broken\n    where: [no-equals-sign]\n");
  const auto result = f.run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("stage 'broken' task 0: 'sluice select"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("expected KEY=VALUE"), std::string::npos) << "the log's last lines are shown: " << result.err;
  EXPECT_TRUE(std::filesystem::exists(f.run_dir / "stages" / "python" / "stage.json")) << "stages before it are kept";
  EXPECT_FALSE(std::filesystem::exists(f.run_dir / "stages" / "broken" / "stage.json"));
}

TEST(Run, SchemaErrorsComeBeforeAnyWork) {
  Fixture f;
  write_text(f.pipeline, three_stage_pipeline(f.dir / "in", 2) + "    sample: half\n");
  const auto result = f.run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("pipeline.yaml:17: stage 'python': 'sample' must be a number, not 'half'"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(f.run_dir));
}

TEST(Run, AStageThisBuildLacksIsRefusedBeforeAnyWork) {
  if (run_sluice({"dedup", "--help"}).exit_code == 0) GTEST_SKIP() << "this build has 'sluice dedup'";
  Fixture f;
  write_text(f.pipeline, three_stage_pipeline(f.dir / "in", 2) + "  - stage: dedup\n    mode: exact\n");
  const auto dry = f.run({"--dry-run"});
  EXPECT_EQ(dry.exit_code, 0);
  EXPECT_NE(dry.out.find("this build has no 'sluice dedup'"), std::string::npos) << dry.out;
  const auto result = f.run();
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("pipeline.yaml:17: stage 'dedup' runs 'sluice dedup', which this build of sluice does not have"),
            std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(f.run_dir / "stages" / "raw"));
}

TEST(Run, KilledAtRandomMomentsAndResumedEndsByteIdentical) {
  Fixture f(8, 1500, 2);
  const auto reference_dir = f.dir / "reference";
  ASSERT_EQ(f.run({"--run-dir", reference_dir.string()}).exit_code, 0);
  const auto expected = run_outputs(reference_dir);
  ASSERT_GT(expected.size(), 30u);

  std::mt19937 random(20261125);
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto run_dir = f.dir / ("killed-" + std::to_string(attempt));
    const std::vector<std::string> args = {SLUICE_BINARY, "run", f.pipeline.string(), "--run-dir", run_dir.string()};
    for (int kill = 0; kill < 3; ++kill) {
      const pid_t pid = spawn_quiet(args);
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + random() % 2500));
      ::kill(pid, SIGKILL);
      wait_exit(pid);
    }
    const auto final_run = run_sluice({"run", f.pipeline.string(), "--run-dir", run_dir.string()});
    ASSERT_EQ(final_run.exit_code, 0) << final_run.err;
    EXPECT_EQ(run_outputs(run_dir), expected) << "attempt " << attempt;
  }
}

TEST(Run, AChangedOutsideInputRedoesTheStagesThatReadIt) {
  Fixture f(3, 100, 1);
  ASSERT_EQ(f.run().exit_code, 0);
  write_corpus(f.dir / "more", 1, 10);
  std::filesystem::copy_file(f.dir / "more" / "input-0.jsonl", f.dir / "in" / "input-9.jsonl");
  const auto dry = f.run({"--dry-run"});
  EXPECT_NE(dry.out.find("1. raw (convert), 1 task, fingerprint"), std::string::npos);
  EXPECT_NE(dry.out.find("will run: its input changed"), std::string::npos) << dry.out;
  const auto result = f.run({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(status_of(result.out, "raw"), "ran");
  EXPECT_EQ(status_of(result.out, "python"), "ran");
  EXPECT_TRUE(std::filesystem::exists(f.run_dir / "stages" / "raw" / "out" / shard_name(3)));
}

TEST(Run, IngestSourcesAreDealtRoundRobinToTheTasks) {
  TempDir dir;
  write_text(dir / "pipeline.yaml",
             "tasks: 3\nstages:\n  - stage: ingest\n    sources: [./a, https://example.org/b.git]\n    repos: ./list.txt\n"
             "    docs: [./manual]\n    max_bytes: 1000\n");
  const auto dry = run_sluice({"run", (dir / "pipeline.yaml").string(), "--dry-run", "--json"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const std::string a = (dir / "a").string(), list = (dir / "list.txt").string(), manual = (dir / "manual").string();
  // Task 0: source 0 and the list file; task 1: source 1; task 2: the documentation.
  EXPECT_NE(dry.out.find("\"--repos\",\"" + list + "\",\"--max-bytes\",\"1000\",\"--json\",\"" + a + "\"]"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("\"--max-bytes\",\"1000\",\"--json\",\"https://example.org/b.git\"]"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("\"--max-bytes\",\"1000\",\"--docs\",\"" + manual + "\",\"--json\"]"), std::string::npos) << dry.out;
  const auto first_repos = dry.out.find("\"--repos\"");
  EXPECT_EQ(dry.out.find("\"--repos\"", first_repos + 1), std::string::npos) << "the list file goes to one task only";
}

// eval-code runs once per checkpoint, each with its own folder for samples and results, and its
// pass@k summary beside them; the problem file is `problems` because `tasks` counts parallel tasks.
TEST(Run, EvalCodeRunsOncePerCheckpointWithItsOwnOutputFolder) {
  TempDir dir;
  for (const char* checkpoint : {"base", "tuned"}) std::filesystem::create_directories(dir / checkpoint);
  write_text(dir / "problems.jsonl",
             "{\"task_id\":\"t/0\",\"prompt\":\"def f():\\n\",\"test\":\"def check(c):\\n    assert c() == 1\\n\",\"entry_point\":\"f\"}\n");
  write_text(dir / "pipeline.yaml",
             "run_dir: run\n"
             "stages:\n"
             "  - stage: eval-code\n"
             "    name: coding\n"
             "    checkpoints: [./base, ./tuned]\n"
             "    problems: problems.jsonl\n"
             "    n: 4\n"
             "    k: [1, 2]\n");
  const auto dry = run_sluice({"run", (dir / "pipeline.yaml").string(), "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const auto out_dir = (dir / "run" / "stages" / "coding" / "out").string();
  for (const char* checkpoint : {"base", "tuned"}) {
    const std::string command = "sluice eval-code --tasks " + (dir / "problems.jsonl").string() + " --n 4 --k 1 --k 2 --json --ckpt " +
                                (dir / checkpoint).string() + " --out " + out_dir + "/" + checkpoint;
    EXPECT_NE(dry.out.find(command), std::string::npos) << dry.out;
  }
}
