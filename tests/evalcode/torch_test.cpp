// `sluice eval-code --ckpt`: completions sampled from a real tiny checkpoint, cut at the stop
// sequences, executed and scored; a rerun with a larger --n samples and runs only the new ones,
// and sample s of a task is the same whether asked for alone or in a larger batch.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "evalcode_support.h"
#include "sluice/finetune/completion.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

namespace fs = std::filesystem;

std::uint64_t field(const std::string& json, std::string_view pointer) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  auto doc = parser.iterate(padded).value();
  return doc.at_pointer(pointer).get_uint64().value();
}

// task_id#sample -> completion, from a completions.jsonl.
std::map<std::string, std::string> completions(const fs::path& path) {
  std::map<std::string, std::string> out;
  simdjson::ondemand::parser parser;
  std::istringstream in(read_text(path));
  std::string line;
  while (std::getline(in, line)) {
    simdjson::padded_string padded(line);
    auto doc = parser.iterate(padded).value();
    const std::string id(doc["task_id"].get_string().value());
    const auto sample = doc["sample"].get_uint64().value();
    out[id + "#" + std::to_string(sample)] = std::string(doc["completion"].get_string().value());
  }
  return out;
}

TEST(CutAtStop, KeepsTextBeforeTheFirstStop) {
  const std::vector<std::string> stops = {"\ndef ", "\nclass ", "\nif __name__", "\nprint"};
  EXPECT_EQ(finetune::cut_at_stop("    return 1\n\ndef g():\n", stops), "    return 1\n");
  EXPECT_EQ(finetune::cut_at_stop("    x = 1\nprint(x)\nclass A", stops), "    x = 1");
  EXPECT_EQ(finetune::cut_at_stop("    return 2\n", stops), "    return 2\n");
}

TEST(EvalCodeTorch, SamplesFromATinyCheckpointRunsAndReuses) {
  TempDir dir;
  fs::create_directories(dir / "docs");
  write_documents(dir / "docs" / "part-00000.jsonl.zst", 60, 3);
  auto ok = [](const RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0;
  };
  const auto tokenizer = (dir / "tokenizer.json").string();
  ASSERT_TRUE(ok(run_sluice({"tokenizer", "train", "--in", (dir / "docs").string(), "--out", tokenizer, "--vocab-size", "320",
                             "--pattern", "gpt2"})));
  ASSERT_TRUE(ok(run_sluice({"tokenize", "--in", (dir / "docs").string(), "--tokenizer", tokenizer, "--out",
                             (dir / "shards").string(), "--val-fraction", "0.2"})));
  write_config(dir / "model.json", tiny_config(320, 96));
  ASSERT_TRUE(ok(run_sluice({"pretrain", "--data", (dir / "shards").string(), "--out", (dir / "ckpt").string(), "--steps", "4",
                             "--batch-size", "2", "--seq-len", "32", "--threads", "1", "--config", (dir / "model.json").string(),
                             "--tokenizer", tokenizer})));
  write_ten_tasks(dir / "tasks.jsonl");
  auto eval = [&](const fs::path& ckpt, int n, const std::string& out) {
    std::vector<std::string> args = {"eval-code", "--ckpt", ckpt.string(), "--tokenizer", tokenizer, "--tasks",
                                     (dir / "tasks.jsonl").string(), "--n", std::to_string(n), "--k", "1,2", "--temperature", "0.8",
                                     "--max-new-tokens", "16", "--timeout", "2", "--threads", "1", "--sandbox-uid", "230000", "--json"};
    if (!out.empty()) args.insert(args.end(), {"--out", out});
    return run_sluice(args);
  };
  auto r = eval(dir / "ckpt", 2, "");
  ASSERT_TRUE(ok(r));
  // Identical completions of a task run once, so at most twenty runs.
  EXPECT_EQ(field(r.out, "/executed") + field(r.out, "/reused"), 20U) << r.out;
  EXPECT_EQ(field(r.out, "/tasks/test~10/n"), 2U) << r.out;
  const auto eval_dir = dir / "ckpt" / "eval";
  ASSERT_TRUE(fs::exists(eval_dir / "results.json"));
  const auto first = completions(eval_dir / "completions.jsonl");
  ASSERT_EQ(first.size(), 20U);
  for (const auto& [key, text] : first) {
    for (const char* stop : {"\ndef ", "\nclass ", "\nif __name__", "\nprint", "\n#"}) {
      EXPECT_EQ(text.find(stop), std::string::npos) << key << ": " << text;
    }
  }
  const std::string samples = read_text(eval_dir / "samples.jsonl");
  EXPECT_EQ(std::count(samples.begin(), samples.end(), '\n'), 20);

  // One more sample per task: ten sampled, at most ten run, the first twenty reused unchanged.
  r = eval(dir / "ckpt", 3, "");
  ASSERT_TRUE(ok(r));
  EXPECT_LE(field(r.out, "/executed"), 10U) << r.out;
  EXPECT_GE(field(r.out, "/reused"), 20U) << r.out;
  EXPECT_EQ(field(r.out, "/executed") + field(r.out, "/reused"), 30U) << r.out;
  const auto second = completions(eval_dir / "completions.jsonl");
  ASSERT_EQ(second.size(), 30U);
  for (const auto& [key, text] : first) EXPECT_EQ(second.at(key), text) << key;

  // All three at once elsewhere: the same completions.
  r = eval(dir / "ckpt", 3, (dir / "other").string());
  ASSERT_TRUE(ok(r));
  EXPECT_EQ(completions(dir / "other" / "completions.jsonl"), second);
}

}  // namespace
}  // namespace sluice::test
