// `sluice eval-code` end to end on the ten-problem task file and the fake model's completions.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <set>

#include "evalcode_support.h"
#include "sluice/evalcode/pass_at_k.h"
#include "test_support.h"

namespace sluice::test {
namespace {

namespace fs = std::filesystem;

// Each test passes its own --sandbox-uid: ctest -j runs tests as parallel processes.
std::vector<std::string> eval_args(const TempDir& dir, std::vector<std::string> extra, int uid = 220000) {
  std::vector<std::string> args = {"eval-code", "--tasks", (dir / "tasks.jsonl").string(), "--completions",
                                   (dir / "completions.jsonl").string(), "--timeout", "1", "--memory-mb", "256",
                                   "--file-size-mb", "4", "--sandbox-uid", std::to_string(uid)};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

double number(simdjson::ondemand::document& doc, std::string_view pointer) { return doc.at_pointer(pointer).get_double().value(); }

TEST(EvalCodeCli, ScoresCompletionsAndReusesThemOnARerunWithLargerN) {
  TempDir dir;
  write_ten_tasks(dir / "tasks.jsonl");
  write_completions(dir / "completions.jsonl", fake_model());

  // Distinct (task, completion) pairs among the first three samples of each task and among the
  // last two: each runs once; a repeated text reuses the first run's result.
  std::set<std::string> seen;
  std::uint64_t first_runs = 0, fresh = 0;
  std::map<std::string, int> index;
  for (const auto& s : fake_model()) {
    const bool first_three = index[s.task_id]++ < 3;
    const bool is_new = seen.insert(s.task_id + "\n" + s.completion).second;
    if (is_new) ++(first_three ? first_runs : fresh);
  }

  // First three samples of each task.
  auto r = run_sluice(eval_args(dir, {"--n", "3", "--k", "1,2", "--out", (dir / "eval").string(), "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::ondemand::parser parser;
  {
    simdjson::padded_string json(r.out);
    auto doc = parser.iterate(json).value();
    // Correct among the first three: 3 3 3 2 1 0 3 3 1 0.
    const double expected1 = (3 + 3 + 3 + 2 + 1 + 0 + 3 + 3 + 1 + 0) / 30.0;
    EXPECT_DOUBLE_EQ(number(doc, "/pass@1"), expected1);
    // pass@2 of 3 samples: c=3 or 2 -> 1 (six tasks); c=1 -> 1 - C(2,2)/C(3,2) = 2/3 (two); c=0 -> 0.
    EXPECT_DOUBLE_EQ(number(doc, "/pass@2"), (6 + 2 * (2.0 / 3)) / 10);
    EXPECT_EQ(doc.at_pointer("/executed").get_uint64().value(), first_runs);
    EXPECT_EQ(doc.at_pointer("/reused").get_uint64().value(), 30U - first_runs);
    EXPECT_EQ(doc.at_pointer("/tasks/test~14/correct").get_uint64().value(), 1U);
    EXPECT_EQ(doc.at_pointer("/tasks/test~14/reasons/file_size").get_uint64().value(), 1U);
    EXPECT_EQ(doc.at_pointer("/tasks/test~14/reasons/network").get_uint64().value(), 1U);
  }
  EXPECT_TRUE(fs::exists(dir / "eval" / "results.json"));
  const std::string samples = read_text(dir / "eval" / "samples.jsonl");
  EXPECT_EQ(std::count(samples.begin(), samples.end(), '\n'), 30);
  EXPECT_NE(samples.find("\"reason\":\"file_size\""), std::string::npos);

  // All five: the thirty already run are reused, only new texts run.
  r = run_sluice(eval_args(dir, {"--n", "5", "--k", "1,2,5,10", "--out", (dir / "eval").string(), "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  {
    simdjson::padded_string json(r.out);
    auto doc = parser.iterate(json).value();
    EXPECT_EQ(doc.at_pointer("/executed").get_uint64().value(), fresh);
    EXPECT_EQ(doc.at_pointer("/reused").get_uint64().value(), 50U - fresh);
    EXPECT_DOUBLE_EQ(number(doc, "/pass@1"), 24.0 / 50);
    EXPECT_DOUBLE_EQ(number(doc, "/pass@2"), 6.3 / 10);
    EXPECT_DOUBLE_EQ(number(doc, "/pass@5"), 0.8);
    EXPECT_TRUE(doc.at_pointer("/pass@10").error() == simdjson::NO_SUCH_FIELD);
    EXPECT_EQ(doc.at_pointer("/tasks/test~13/pass@2").get_double().value(), evalcode::pass_at_k(5, 2, 2));
    EXPECT_EQ(doc.at_pointer("/reasons/fork").get_uint64().value(), 1U);
    EXPECT_EQ(doc.at_pointer("/reasons/memory").get_uint64().value(), 1U);
    EXPECT_EQ(doc.at_pointer("/reasons/timeout").get_uint64().value(), 1U);
  }
  // The text summary names the numbers and where they are.
  r = run_sluice(eval_args(dir, {"--out", (dir / "eval").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("pass@1 0.4800"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pass@10 n/a"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("50 reused"), std::string::npos) << r.err;
}

TEST(EvalCodeCli, BadInputsAreErrorsThatSayWhatToDo) {
  TempDir dir;
  write_ten_tasks(dir / "tasks.jsonl");
  write_completions(dir / "completions.jsonl", fake_model());
  auto expect_error = [](const RunResult& r, const std::string& text) {
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find(text), std::string::npos) << r.err;
  };
  expect_error(run_sluice({"eval-code", "--tasks", (dir / "tasks.jsonl").string()}), "give either --completions FILE or --ckpt");
  write_text(dir / "broken.jsonl", read_text(dir / "tasks.jsonl") + "{\"task_id\": \"x\", \"prompt\": \"p\"}\n");
  expect_error(run_sluice({"eval-code", "--tasks", (dir / "broken.jsonl").string(), "--completions", (dir / "completions.jsonl").string()}),
               "broken.jsonl:11: missing string field 'test'");
  write_text(dir / "stray.jsonl", "{\"task_id\": \"nope\", \"completion\": \"x\"}\n");
  expect_error(run_sluice({"eval-code", "--tasks", (dir / "tasks.jsonl").string(), "--completions", (dir / "stray.jsonl").string()}),
               "no completion names a task");
  expect_error(run_sluice(eval_args(dir, {"--languages", "rust"}, 220010)), "no runner for 'rust'");
  expect_error(run_sluice(eval_args(dir, {"--n", "6"}, 220010)), "fewer than --n 6");
  // No network namespace: refused, unless the fallback is asked for.
  expect_error(run_sluice(eval_args(dir, {"--n", "1"}, 220010), {"SLUICE_EVALCODE_NO_NAMESPACES=1"}), "--allow-network-sandbox-fallback");
  const auto r = run_sluice(eval_args(dir, {"--n", "1", "--allow-network-sandbox-fallback", "--json"}, 220010), {"SLUICE_EVALCODE_NO_NAMESPACES=1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"isolation\": \"fallback"), std::string::npos) << r.out;
}

// Without root the sandbox is a user namespace mapping the caller's uid; run the fake model as
// "nobody" (when the test has root to become it) and every hostile sample still fails for its reason.
TEST(EvalCodeCli, WithoutRootSamplesRunInAUserNamespace) {
  if (::geteuid() != 0 || !fs::exists("/usr/bin/setpriv")) GTEST_SKIP() << "needs root and setpriv to become nobody";
  TempDir dir;
  fs::permissions(dir.path(), fs::perms::all);
  write_ten_tasks(dir / "tasks.jsonl");
  write_completions(dir / "completions.jsonl", fake_model());
  std::vector<std::string> args = {"--reuid=65534", "--regid=65534", "--clear-groups", SLUICE_BINARY};
  for (const auto& arg : eval_args(dir, {"--k", "1", "--out", (dir / "eval").string(), "--json"})) args.push_back(arg);
  const auto r = run("/usr/bin/setpriv", args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  simdjson::ondemand::parser parser;
  simdjson::padded_string json(r.out);
  auto doc = parser.iterate(json).value();
  EXPECT_EQ(std::string(doc.at_pointer("/isolation").get_string().value()), "user+pid+net namespaces, uid 65534");
  EXPECT_DOUBLE_EQ(number(doc, "/pass@1"), 24.0 / 50);
  for (const char* reason : {"timeout", "fork", "memory", "file_size", "network", "syntax", "error"}) {
    EXPECT_EQ(doc.at_pointer(std::string("/reasons/") + reason).get_uint64().value(), 1U) << reason << "\n" << r.out;
  }
}

}  // namespace
}  // namespace sluice::test
