// The sandbox on its own, then the fake model's fifty samples through evaluate(): every hostile
// completion is stopped with its reason, and pass@k is what the estimator gives by hand.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "evalcode_support.h"
#include "sluice/core/error.h"
#include "sluice/evalcode/evaluate.h"
#include "sluice/evalcode/pass_at_k.h"
#include "sluice/evalcode/runner.h"
#include "sluice/evalcode/sandbox.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::evalcode;
namespace fs = std::filesystem;

// ctest -j runs tests as parallel processes: each test takes its own uids, so that one test's fork
// bomb does not use up another's process budget and the leftover-process checks see only their own.
constexpr std::uint32_t kUid = 210000;

SandboxOptions options(unsigned slots = 1) {
  SandboxOptions o;
  o.slots = slots;
  o.first_uid = kUid;
  return o;
}

// The uid of this test: kUid plus ten per test, in the order of this file.
std::uint32_t test_uid(int test) { return kUid + 10 * static_cast<std::uint32_t>(test); }

SandboxOptions options_for(int test, unsigned slots = 1) {
  SandboxOptions o = options(slots);
  o.first_uid = test_uid(test);
  return o;
}

Step python(const std::string& file, double timeout = 5) {
  Step step{{"/usr/bin/python3", "-I", "-B", file}, Limits{}};
  step.limits.timeout_seconds = timeout;
  return step;
}

evalcode::RunResult run_python(Sandbox& sandbox, const std::string& code, double timeout = 5) {
  return sandbox.run({{"main.py", code, false}}, {python("main.py", timeout)});
}

// Processes whose real uid is `uid`, anywhere on the machine.
int processes_of(std::uint32_t uid) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    struct stat info {};
    if (::stat(entry.path().c_str(), &info) == 0 && info.st_uid == uid) ++count;
  }
  return count;
}

TEST(Sandbox, SampleGetsAnEmptyDirectoryNoNetworkNoStdinAndItsOwnUser) {
  Sandbox sandbox(options_for(0));
  const auto r = run_python(sandbox,
                            "import os, sys, socket\n"
                            "print(sorted(os.listdir('.')))\n"
                            "print(repr(sys.stdin.read()))\n"
                            "print(os.getuid(), os.getgid(), os.getgroups())\n"
                            "print(os.getpid())\n"
                            "print(sorted(n for _, n in socket.if_nameindex()))\n"
                            "try:\n"
                            "    socket.create_connection(('127.0.0.1', 22), timeout=2)\n"
                            "except OSError as e:\n"
                            "    print('blocked', e.errno)\n");
  ASSERT_TRUE(r.ok()) << r.err << r.error;
  const bool root = ::geteuid() == 0;
  const std::string user = root ? std::to_string(test_uid(0)) : std::to_string(::geteuid());
  const std::string group = root ? std::to_string(test_uid(0)) : std::to_string(::getegid());
  EXPECT_EQ(r.out, "['main.py']\n''\n" + user + " " + group + " []\n2\n['lo']\n" + "blocked 101\n") << r.err;
  EXPECT_NE(sandbox.isolation().find("pid+net namespaces"), std::string::npos) << sandbox.isolation();
}

TEST(Sandbox, StopsAtTheDeadlineAndLeavesNoProcessBehind) {
  Sandbox sandbox(options_for(1));
  // A daemon: double fork, new session, ignores SIGTERM and SIGHUP, sleeps; the parent loops.
  const auto r = run_python(sandbox,
                            "import os, signal, time\n"
                            "if os.fork() == 0:\n"
                            "    os.setsid()\n"
                            "    if os.fork() == 0:\n"
                            "        signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                            "        signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
                            "        time.sleep(600)\n"
                            "    os._exit(0)\n"
                            "print('spinning', flush=True)\n"
                            "while True:\n"
                            "    pass\n",
                            1);
  EXPECT_EQ(r.ending, Ending::kTimedOut);
  EXPECT_EQ(r.out, "spinning\n");
  EXPECT_LT(r.wall_seconds, 10);
  if (::geteuid() == 0) {
    EXPECT_EQ(processes_of(test_uid(1)), 0);
  }
}

TEST(Sandbox, OutputIsCapturedAndTruncated) {
  SandboxOptions o = options_for(2);
  o.output_limit = 1000;
  Sandbox sandbox(o);
  const auto r = run_python(sandbox, "import sys\nsys.stdout.write('a' * 100000 + 'END')\nsys.stderr.write('oops')\nsys.exit(3)\n");
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.err, "oops");
  EXPECT_LT(r.out.size(), 1100U);
  EXPECT_EQ(r.out.substr(0, 10), "aaaaaaaaaa");
  EXPECT_NE(r.out.find("[... 99003 bytes cut ...]"), std::string::npos) << r.out.substr(0, 600);
  EXPECT_EQ(r.out.substr(r.out.size() - 3), "END");
}

TEST(Sandbox, ReportsAProgramThatCannotStart) {
  Sandbox sandbox(options_for(3));
  const auto r = sandbox.run({}, {Step{{"/nonexistent/interpreter"}, Limits{}}});
  EXPECT_EQ(r.ending, Ending::kExited);
  EXPECT_EQ(r.exit_code, 127);
  EXPECT_NE(r.err.find("cannot execute /nonexistent/interpreter"), std::string::npos) << r.err;
}

TEST(Sandbox, RefusesWithoutANetworkNamespaceUnlessTheFallbackIsAllowed) {
  ::setenv("SLUICE_EVALCODE_NO_NAMESPACES", "1", 1);
  try {
    Sandbox sandbox(options_for(4));
    ADD_FAILURE() << "no refusal";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--allow-network-sandbox-fallback"), std::string::npos) << e.what();
  }
  SandboxOptions o = options_for(4);
  o.allow_network_fallback = true;
  Sandbox sandbox(o);
  EXPECT_NE(sandbox.isolation().find("fallback"), std::string::npos);
  const auto r = run_python(sandbox, "print('ran')\n");
  ::unsetenv("SLUICE_EVALCODE_NO_NAMESPACES");
  EXPECT_TRUE(r.ok()) << r.err << r.error;
  EXPECT_EQ(r.out, "ran\n");
}

TEST(Evaluate, FakeModelSamplesFailWithTheirReasonsAndPassAtKIsExact) {
  TempDir dir;
  write_ten_tasks(dir / "tasks.jsonl");
  const auto tasks = read_tasks(dir / "tasks.jsonl");
  const auto fake = fake_model();
  std::vector<Sample> samples;
  std::map<std::string, std::uint64_t> index;
  for (const auto& f : fake) samples.push_back({f.task_id, index[f.task_id]++, f.completion});
  EvaluationOptions o;
  o.ks = {1, 2, 5, 10};
  o.limits.timeout_seconds = 1;
  o.limits.address_space = 256ULL << 20;
  o.limits.file_size = 4ULL << 20;
  o.sandbox = options_for(5, 2);
  o.out = dir / "eval";
  const auto e = evaluate(tasks, samples, o);

  ASSERT_EQ(e.samples.size(), fake.size());
  for (std::size_t i = 0; i < fake.size(); ++i) {
    EXPECT_EQ(e.samples[i].passed, fake[i].correct) << i << ": " << fake[i].completion << e.samples[i].err;
    EXPECT_EQ(e.samples[i].reason, fake[i].reason) << i << ": " << fake[i].completion << e.samples[i].err;
  }
  // Correct per task: 5 4 3 2 1 0 5 3 1 0 of 5. By hand:
  // pass@1 = 24/50; pass@2 = mean(1, 1, 1-1/10, 1-3/10, 1-6/10, 0, 1, 1-1/10, 1-6/10, 0) = 6.3/10;
  // pass@5 = 8 tasks with a correct sample / 10; pass@10 needs 10 samples per task: not reported.
  EXPECT_DOUBLE_EQ(e.pass_at.at(1), 24.0 / 50);
  EXPECT_DOUBLE_EQ(e.pass_at.at(2), 6.3 / 10);
  EXPECT_DOUBLE_EQ(e.pass_at.at(5), 0.8);
  EXPECT_EQ(e.pass_at.count(10), 0U);
  EXPECT_EQ(e.skipped_ks, std::vector<std::uint64_t>{10});
  EXPECT_EQ(e.tasks.at("test/3").correct, 2U);
  EXPECT_EQ(e.tasks.at("test/3").pass_at.at(2), pass_at_k(5, 2, 2));
  EXPECT_EQ(e.reasons.at("timeout"), 1U);
  EXPECT_EQ(e.reasons.at("assertion"), 19U);
  // Task 0's five identical correct samples run once, and so on: 26 distinct texts.
  EXPECT_EQ(e.executed, 26U);
  EXPECT_EQ(e.reused, 24U);
  EXPECT_EQ(e.sandbox_errors, 0U);
  if (::geteuid() == 0) {
    EXPECT_EQ(processes_of(test_uid(5)) + processes_of(test_uid(5) + 1), 0);
  }

  // The same samples again: nothing runs, the numbers are the same.
  const auto again = evaluate(tasks, samples, o);
  EXPECT_EQ(again.executed, 0U);
  EXPECT_EQ(again.reused, 50U);
  EXPECT_EQ(again.pass_at, e.pass_at);
  for (std::size_t i = 0; i < fake.size(); ++i) EXPECT_EQ(again.samples[i].reason, fake[i].reason) << i;
}

TEST(Evaluate, CppTasksCompileAndRunInTheSandbox) {
  TempDir dir;
  write_text(dir / "cpp.jsonl",
             R"({"task_id": "cpp/0", "language": "cpp", "entry_point": "add", )"
             R"("prompt": "#include <cassert>\nlong add(long a, long b) {\n", )"
             R"("test": "int main() {\n  assert(add(2, 3) == 5);\n  assert(add(-1, 1) == 0);\n}\n"})" "\n");
  const auto tasks = read_tasks(dir / "cpp.jsonl");
  const std::vector<Sample> samples = {{"cpp/0", 0, "  return a + b;\n}\n"},
                                       {"cpp/0", 1, "  return a * b;\n}\n"},
                                       {"cpp/0", 2, "  return a +;\n}\n"}};
  EvaluationOptions o;
  o.ks = {1};
  o.limits.timeout_seconds = 2;
  o.sandbox = options_for(6, 2);
  const auto e = evaluate(tasks, samples, o);
  EXPECT_TRUE(e.samples[0].passed) << e.samples[0].err;
  EXPECT_EQ(e.samples[1].reason, "assertion") << e.samples[1].err;
  EXPECT_EQ(e.samples[2].reason, "compile") << e.samples[2].err;
  EXPECT_NE(e.samples[2].err.find("error"), std::string::npos) << e.samples[2].err;
  EXPECT_DOUBLE_EQ(e.pass_at.at(1), 1.0 / 3);
}

}  // namespace
}  // namespace sluice::test
