#include "evalcode_support.h"

#include "sluice/core/json.h"
#include "test_support.h"

namespace sluice::test {
namespace {

struct Problem {
  const char* name;
  const char* signature;  // after "def NAME"
  const char* doc;
  const char* solution;   // the body
  const char* wrong;      // a body that fails the tests
  const char* tests;      // assert lines on `candidate`
};

const Problem kProblems[] = {
    {"add", "(a, b)", "Return a + b.", "    return a + b\n", "    return a - b\n",
     "    assert candidate(1, 2) == 3\n    assert candidate(-4, 4) == 0\n"},
    {"is_even", "(n)", "True when n is even.", "    return n % 2 == 0\n", "    return n % 2 == 1\n",
     "    assert candidate(4) is True\n    assert candidate(7) is False\n"},
    {"reverse_string", "(s)", "s reversed.", "    return s[::-1]\n", "    return s\n",
     "    assert candidate('abc') == 'cba'\n    assert candidate('') == ''\n"},
    {"max_of", "(xs)", "The largest element of a non-empty list.", "    return max(xs)\n", "    return xs[0]\n",
     "    assert candidate([1, 5, 3]) == 5\n    assert candidate([-2]) == -2\n"},
    {"factorial", "(n)", "n! for n >= 0.", "    r = 1\n    for i in range(2, n + 1):\n        r *= i\n    return r\n",
     "    return n\n", "    assert candidate(0) == 1\n    assert candidate(5) == 120\n"},
    {"count_vowels", "(s)", "How many of a, e, i, o, u s holds.", "    return sum(c in 'aeiou' for c in s)\n",
     "    return len(s)\n", "    assert candidate('banana') == 3\n    assert candidate('xyz') == 0\n"},
    {"fib", "(n)", "The n-th Fibonacci number, fib(0) = 0.", "    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
     "    return n\n", "    assert candidate(0) == 0\n    assert candidate(10) == 55\n"},
    {"is_palindrome", "(s)", "True when s reads the same backwards.", "    return s == s[::-1]\n", "    return True\n",
     "    assert candidate('abba') is True\n    assert candidate('abc') is False\n"},
    {"sum_squares", "(n)", "1*1 + ... + n*n.", "    return sum(i * i for i in range(1, n + 1))\n", "    return n * n\n",
     "    assert candidate(3) == 14\n    assert candidate(1) == 1\n"},
    {"unique_sorted", "(xs)", "The distinct elements in increasing order.", "    return sorted(set(xs))\n",
     "    return sorted(xs)\n", "    assert candidate([3, 1, 3, 2]) == [1, 2, 3]\n"},
};

const char* const kLoop = "    while True:\n        pass\n";
const char* const kForkBomb = "    import os\n    while True:\n        os.fork()\n";
const char* const kMemoryHog = "    hog = []\n    while True:\n        hog.append(bytearray(1 << 28))\n";
const char* const kHugeFile =
    "    with open('huge.bin', 'wb') as f:\n        while True:\n            f.write(b'x' * (1 << 20))\n";
const char* const kNetwork = "    import socket\n    socket.create_connection(('93.184.216.34', 80), timeout=5)\n";
const char* const kSyntax = "    return s[::-1\n";
const char* const kException = "    raise ValueError('no')\n";

std::string task_id(int i) { return "test/" + std::to_string(i); }

}  // namespace

void write_ten_tasks(const std::filesystem::path& path) {
  std::string text;
  int i = 0;
  for (const auto& p : kProblems) {
    JsonWriter line;
    const std::string prompt = std::string("def ") + p.name + p.signature + ":\n    \"\"\"" + p.doc + "\"\"\"\n";
    line.begin_object()
        .field("task_id", task_id(i++))
        .field("prompt", prompt)
        .field("canonical_solution", p.solution)
        .field("test", std::string("\n\ndef check(candidate):\n") + p.tests)
        .field("entry_point", p.name)
        .end_object();
    text += line.take() + "\n";
  }
  write_text(path, text);
}

std::vector<FakeSample> fake_model() {
  std::vector<FakeSample> s;
  auto good = [&](int t) { s.push_back({task_id(t), kProblems[t].solution, true, ""}); };
  auto bad = [&](int t, const char* body, const char* reason) { s.push_back({task_id(t), body, false, reason}); };
  auto wrong = [&](int t) { bad(t, kProblems[t].wrong, "assertion"); };
  for (int i = 0; i < 5; ++i) good(0);
  for (int i = 0; i < 4; ++i) good(1);
  wrong(1);
  for (int i = 0; i < 3; ++i) good(2);
  bad(2, kLoop, "timeout");
  bad(2, kSyntax, "syntax");
  good(3), good(3);
  bad(3, kForkBomb, "fork");
  bad(3, kMemoryHog, "memory");
  wrong(3);
  good(4);
  bad(4, kHugeFile, "file_size");
  bad(4, kNetwork, "network");
  bad(4, kException, "error");
  wrong(4);
  for (int i = 0; i < 5; ++i) wrong(5);
  // The same function written three ways, twice over: distinct texts, all correct.
  good(6);
  s.push_back({task_id(6), "    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n", true, ""});
  s.push_back({task_id(6), "    a, b = 0, 1\n    for _ in range(n):\n        b, a = a + b, b\n    return a\n", true, ""});
  s.push_back({task_id(6), "    x = [0, 1]\n    while len(x) <= n:\n        x.append(x[-1] + x[-2])\n    return x[n]\n", true, ""});
  s.push_back({task_id(6), "    if n == 0:\n        return 0\n    a, b = 0, 1\n    for _ in range(n - 1):\n        a, b = b, a + b\n    return b\n", true, ""});
  for (int i = 0; i < 3; ++i) good(7);
  wrong(7), wrong(7);
  good(8);
  for (int i = 0; i < 4; ++i) wrong(8);
  for (int i = 0; i < 5; ++i) wrong(9);
  return s;
}

void write_completions(const std::filesystem::path& path, const std::vector<FakeSample>& samples) {
  std::string text;
  for (const auto& sample : samples) {
    JsonWriter line;
    line.begin_object().field("task_id", sample.task_id).field("completion", sample.completion).end_object();
    text += line.take() + "\n";
  }
  write_text(path, text);
}

}  // namespace sluice::test
