#include <gtest/gtest.h>

#include "sluice/core/error.h"
#include "sluice/filter/decontaminate.h"
#include "test_support.h"

using namespace sluice::filter;

namespace {
const char* kHumanEval =
    R"({"task_id": "HumanEval/0", "prompt": "from typing import List\n\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n    \"\"\" Check if in given list of numbers, are any two numbers closer to each other than\n    given threshold.\n    \"\"\"\n", "canonical_solution": "    for idx, elem in enumerate(numbers):\n        for idx2, elem2 in enumerate(numbers):\n            if idx != idx2:\n                distance = abs(elem - elem2)\n                if distance < threshold:\n                    return True\n\n    return False\n", "test": "def check(candidate): pass", "entry_point": "has_close_elements"})"
    "\n";
}

TEST(Decontaminate, SubstringIgnoresWhitespaceAndCase) {
  sluice::test::TempDir dir;
  sluice::test::write_text(dir / "humaneval.jsonl", kHumanEval);
  Decontaminator d;
  d.add_file(dir / "humaneval.jsonl");
  EXPECT_EQ(d.items(), 2u);
  const std::string copy =
      "# my solutions\nfor idx, elem in enumerate(numbers):\n  for idx2, elem2 in enumerate(numbers):\n"
      "    if idx != idx2:\n      distance = abs(elem - elem2)\n      if distance < threshold:\n        return True\n"
      "return False\n";
  const auto hit = d.check(copy);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, "HumanEval/0");
  EXPECT_EQ(hit->field, "canonical_solution");
  EXPECT_EQ(hit->how, "substring");
  EXPECT_FALSE(d.check("def unrelated():\n    return sum(x for x in range(10))\n"));
}

TEST(Decontaminate, ThirteenWordRunMatches) {
  Decontaminator d;
  d.add_item("MBPP/11", "text", "Write a python function to remove first and last occurrence of a given character from the string.");
  const auto hit = d.check("# Task: write a Python function to remove the first and last occurrence of a given char, please\n");
  EXPECT_FALSE(hit);  // "the" breaks the run: no 13 words in a row
  const auto hit2 = d.check("\"\"\"Write a python function to remove first and last occurrence of a given character.\"\"\"");
  ASSERT_TRUE(hit2);
  EXPECT_EQ(hit2->how, "13-gram");
}

TEST(Decontaminate, MalformedLineNamesFileAndLine) {
  sluice::test::TempDir dir;
  sluice::test::write_text(dir / "bench.jsonl", std::string(kHumanEval) + "{not json\n");
  Decontaminator d;
  try {
    d.add_file(dir / "bench.jsonl");
    FAIL();
  } catch (const sluice::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bench.jsonl:2:"), std::string::npos) << e.what();
  }
  sluice::test::write_text(dir / "empty.jsonl", "{\"task_id\": 3, \"entry_point\": \"f\"}\n");
  EXPECT_THROW(d.add_file(dir / "empty.jsonl"), sluice::Error);
}
