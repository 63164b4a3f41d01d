// Task and completion files, the MBPP conversion rule and the pass@k estimator.
#include <gtest/gtest.h>

#include "evalcode_support.h"
#include "sluice/core/error.h"
#include "sluice/evalcode/pass_at_k.h"
#include "sluice/evalcode/tasks.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::evalcode;

// 1 - C(n-c, k) / C(n, k) with exact integer binomials: the definition, not the product form.
double by_binomials(std::uint64_t n, std::uint64_t c, std::uint64_t k) {
  auto choose = [](std::uint64_t a, std::uint64_t b) -> double {
    if (b > a) return 0;
    unsigned long long r = 1;
    for (std::uint64_t i = 1; i <= b; ++i) r = r * (a - b + i) / i;
    return static_cast<double>(r);
  };
  return 1.0 - choose(n - c, k) / choose(n, k);
}

TEST(PassAtK, MatchesTheBinomialDefinition) {
  EXPECT_EQ(pass_at_k(5, 0, 1), 0.0);
  EXPECT_EQ(pass_at_k(5, 5, 5), 1.0);
  EXPECT_DOUBLE_EQ(pass_at_k(5, 2, 1), 0.4);          // pass@1 is c / n
  EXPECT_DOUBLE_EQ(pass_at_k(5, 3, 2), 1.0 - 1.0 / 10);  // C(2,2) / C(5,2)
  EXPECT_DOUBLE_EQ(pass_at_k(5, 1, 2), 1.0 - 6.0 / 10);  // C(4,2) / C(5,2)
  EXPECT_EQ(pass_at_k(5, 4, 2), 1.0);                    // fewer than k failures
  for (std::uint64_t n : {1, 7, 20, 30}) {
    for (std::uint64_t c = 0; c <= n; ++c) {
      for (std::uint64_t k = 1; k <= n; ++k) EXPECT_NEAR(pass_at_k(n, c, k), by_binomials(n, c, k), 1e-12) << n << " " << c << " " << k;
    }
  }
  // n = 200 (the Codex paper's): the binomials overflow 64 bits, the product form does not.
  EXPECT_NEAR(pass_at_k(200, 1, 100), 0.5, 1e-12);
  EXPECT_THROW(pass_at_k(3, 4, 1), Error);
  EXPECT_THROW(pass_at_k(3, 1, 4), Error);
}

TEST(Tasks, ReadsHumanEvalLines) {
  TempDir dir;
  write_ten_tasks(dir / "tasks.jsonl");
  const auto tasks = read_tasks(dir / "tasks.jsonl");
  ASSERT_EQ(tasks.size(), 10U);
  EXPECT_EQ(tasks[0].id, "test/0");
  EXPECT_EQ(tasks[0].entry_point, "add");
  EXPECT_EQ(tasks[0].language, "python");
  ASSERT_TRUE(tasks[0].canonical_solution.has_value());
  EXPECT_NE(tasks[0].digest, tasks[1].digest);
}

std::string error_of(const std::filesystem::path& path) {
  try {
    read_tasks(path);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Tasks, BadLinesNameFileAndLine) {
  TempDir dir;
  const auto path = dir / "bad.jsonl";
  const std::string good = R"({"task_id": "a", "prompt": "def f():\n", "test": "def check(c): pass", "entry_point": "f"})";
  write_text(path, good + "\n{not json\n");
  EXPECT_NE(error_of(path).find("bad.jsonl:2: not a JSON object"), std::string::npos) << error_of(path);
  write_text(path, good + "\n\n" + R"({"task_id": "b", "prompt": "x", "entry_point": "f"})" + "\n");
  EXPECT_NE(error_of(path).find("bad.jsonl:3: missing string field 'test'"), std::string::npos) << error_of(path);
  write_text(path, good + "\n" + good + "\n");
  EXPECT_NE(error_of(path).find("bad.jsonl:2: task_id 'a' appears twice"), std::string::npos) << error_of(path);
  write_text(path, R"({"task_id": "a", "prompt": 3, "test": "", "entry_point": "f"})" "\n");
  EXPECT_NE(error_of(path).find("bad.jsonl:1: field 'prompt' is not a string"), std::string::npos) << error_of(path);
  write_text(path, R"({"task_id": "a", "question": "?"})" "\n");
  EXPECT_NE(error_of(path).find("bad.jsonl:1: neither a HumanEval task"), std::string::npos) << error_of(path);
  write_text(path, "\n\n");
  EXPECT_NE(error_of(path).find("no tasks"), std::string::npos) << error_of(path);
}

TEST(Tasks, MbppLinesBecomeHumanEvalTasks) {
  TempDir dir;
  write_text(dir / "mbpp.jsonl",
             R"J({"task_id": 11, "text": "Write a function to remove first and last occurrence of a given character.", )J"
             R"J("code": "import re\r\ndef remove_Occ(s,ch): \r\n    return s.replace(ch, '')", )J"
             R"J("test_list": ["assert remove_Occ(\"hello\",\"l\") == \"heo\""], "test_setup_code": ""})J" "\n");
  const auto tasks = read_tasks(dir / "mbpp.jsonl");
  ASSERT_EQ(tasks.size(), 1U);
  const auto& t = tasks[0];
  EXPECT_EQ(t.id, "11");
  EXPECT_EQ(t.entry_point, "remove_Occ");
  EXPECT_EQ(t.prompt,
            "import re\r\ndef remove_Occ(s,ch):\n    \"\"\"Write a function to remove first and last occurrence of a given character.\n    \"\"\"\n");
  EXPECT_EQ(t.test, "\n\ndef check(candidate):\n    assert remove_Occ(\"hello\",\"l\") == \"heo\"\n");
  EXPECT_EQ(t.canonical_solution.value_or(""), "    return s.replace(ch, '')");
  EXPECT_THROW(convert_mbpp("1", "text", "x = 1\n", {}, ""), Error);
}

TEST(Completions, ReadInFileOrderWithErrorsAtTheirLine) {
  TempDir dir;
  write_completions(dir / "c.jsonl", fake_model());
  const auto completions = read_completions(dir / "c.jsonl");
  ASSERT_EQ(completions.size(), 50U);
  EXPECT_EQ(completions[5].task_id, "test/1");
  write_text(dir / "bad.jsonl", R"({"task_id": "a", "completion": "x"})" "\n" R"({"task_id": "a"})" "\n");
  try {
    read_completions(dir / "bad.jsonl");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2: missing string field 'completion'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::test
