// Pipeline files: every mistake is an error naming the file and line, found before any work.
#include <gtest/gtest.h>

#include "sluice/core/error.h"
#include "sluice/pipelines/pipeline.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::pipelines;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_pipeline(text, "/tmp/p/pipeline.yaml");
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

const char* kHead = "run_dir: run\nstages:\n  - stage: convert\n    in: ./in\n";

}  // namespace

TEST(PipelineSpec, ResolvesStagesInputsPathsAndDefaults) {
  const Pipeline pipeline = parse_pipeline(
      "run_dir: runs/a\ntasks: 3\nstages:\n"
      "  - stage: ingest\n    sources: [../repo, https://example.org/x.git]\n    docs: /usr/share/doc\n"
      "  - stage: dedup\n    mode: both\n    threshold: 0.7\n    verify: true\n"
      "  - stage: tokenizer train\n    name: bpe\n    vocab_size: 4096\n"
      "  - stage: tokenize\n    in: dedup\n    tokenizer: bpe\n    val_fraction: 0.05\n"
      "  - stage: pretrain\n    model: {n_layer: 2, n_head: 2, n_embd: 64, n_positions: 128, vocab_size: 4096, layer_norm_epsilon: 1.0e-5}\n    steps: 10\n",
      "/tmp/p/pipeline.yaml");
  EXPECT_EQ(pipeline.run_dir, "/tmp/p/runs/a");
  ASSERT_EQ(pipeline.stages.size(), 5u);
  EXPECT_EQ(pipeline.stages[0].tasks, 3);
  EXPECT_EQ(pipeline.stages[0].option("sources")->items, (std::vector<std::string>{"/tmp/repo", "https://example.org/x.git"}));
  EXPECT_EQ(pipeline.stages[1].input_stage, "ingest");
  EXPECT_EQ(pipeline.stages[1].tasks, 1) << "dedup works on the whole set: one task";
  EXPECT_EQ(pipeline.stages[3].input_stage, "dedup");
  EXPECT_EQ(pipeline.stages[3].upstream(), (std::vector<std::string>{"dedup", "bpe"}));
  EXPECT_EQ(pipeline.stages[4].option("model")->map_json,
            R"({"n_layer":2,"n_head":2,"n_embd":64,"n_positions":128,"vocab_size":4096,"layer_norm_epsilon":1e-05})");
}

TEST(PipelineSpec, UnknownKeyNamesTheLineAndTheClosestKey) {
  const std::string error = error_of(std::string(kHead) + "  - stage: select\n    wher: [lang=C]\n");
  EXPECT_NE(error.find("pipeline.yaml:6:"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown key 'wher'"), std::string::npos) << error;
  EXPECT_NE(error.find("did you mean 'where'"), std::string::npos) << error;
}

TEST(PipelineSpec, WrongTypesNameTheLine) {
  EXPECT_NE(error_of(std::string(kHead) + "  - stage: select\n    sample: lots\n").find("pipeline.yaml:6: stage 'select': 'sample' must be a number, not 'lots'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHead) + "    level: 2.5\n").find("pipeline.yaml:5: stage 'convert': 'level' must be an integer"), std::string::npos);
  EXPECT_NE(error_of(std::string(kHead) + "  - stage: select\n    where: {lang: C}\n").find("pipeline.yaml:6:"), std::string::npos);
  EXPECT_NE(error_of("stages:\n  - stage: dedup\n    in: ./x\n    mode: fuzzy\n").find("pipeline.yaml:4: stage 'dedup': 'mode' must be one of exact, near, both"),
            std::string::npos);
  EXPECT_NE(error_of("stages:\n  - stage: dedup\n    in: ./x\n    verify: maybe\n").find("pipeline.yaml:4:"), std::string::npos);
  EXPECT_NE(error_of("tasks: many\nstages: []\n").find("pipeline.yaml:1: 'tasks' must be an integer"), std::string::npos);
}

TEST(PipelineSpec, StructuralMistakes) {
  EXPECT_NE(error_of("stages:\n  - stage: dedupe\n    in: ./x\n").find("pipeline.yaml:2: unknown stage 'dedupe'"), std::string::npos);
  EXPECT_NE(error_of("stages:\n  - in: ./x\n").find("pipeline.yaml:2: this stage has no 'stage:' key"), std::string::npos);
  EXPECT_NE(error_of("run_dir: x\n").find("no 'stages:' list"), std::string::npos);
  EXPECT_NE(error_of("stages:\n  - stage: select\n").find("the first stage needs 'in:'"), std::string::npos);
  EXPECT_NE(error_of(std::string(kHead) + "  - stage: convert\n").find("pipeline.yaml:5: stage 'convert': a stage of that name comes earlier"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHead) + "  - stage: tokenize\n    tokenizer: bpe\n").find("pipeline.yaml:6: stage 'tokenize': 'tokenizer' names no earlier stage 'bpe'"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kHead) + "  - stage: tokenizer train\n").find("'vocab_size' is required"), std::string::npos);
  EXPECT_NE(error_of("stages: [\n").find("pipeline.yaml:"), std::string::npos);
  EXPECT_NE(error_of("colour: blue\nstages: []\n").find("pipeline.yaml:1: pipeline: unknown key 'colour'"), std::string::npos);
  EXPECT_NE(error_of("slurm: {partitoin: cpu}\nstages: []\n").find("did you mean 'partition'"), std::string::npos);
}
