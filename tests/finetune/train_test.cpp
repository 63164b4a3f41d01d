// The training loop through the real binary: overfitting, exact resume, signals, metrics,
// pretrain-then-finetune, eval, generate, bad inputs; plus logits against a Python reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include "sluice/finetune/checkpoint.h"
#include "sluice/finetune/data.h"
#include "sluice/finetune/safetensors.h"
#include "sluice/finetune/train.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::finetune;
namespace fs = std::filesystem;

// `sluice pretrain` on DIR/data with the config DIR/model.json, plus `extra` arguments.
std::vector<std::string> pretrain_args(const TempDir& dir, const fs::path& data, const std::string& out, int steps,
                                       const std::vector<std::string>& extra = {}) {
  auto args = train_args("pretrain", data, dir / out, steps);
  args.insert(args.end(), {"--config", (dir / "model.json").string()});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(Train, TinyModelDrivesLossOnOneRepeatedBatchNearZero) {
  TempDir dir;
  fs::create_directories(dir / "data");
  auto tokens = markov_tokens(17, 64, 1, 1, 0.0, 40);  // one window of seq_len + 1 random-ish tokens
  write_llmc_tokens(dir / "data" / "train.bin", tokens);
  write_llmc_tokens(dir / "data" / "val.bin", tokens);
  write_config(dir / "model.json", tiny_config());
  auto args = pretrain_args(dir, dir / "data", "out", 150, {"--warmup", "5", "--weight-decay", "0", "--eval-every", "150", "--json"});
  set_option(args, "--batch-size", "1");
  const auto r = run_sluice(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(json_number(r.out, "loss"), 0.05) << r.out;
  EXPECT_LT(json_number(r.out, "val_loss"), 0.05) << r.out;
}

TEST(Train, MetricsCheckpointAndBestAreWritten) {
  TempDir dir;
  make_corpus(dir / "data", 1, 0, 4096);
  write_config(dir / "model.json", tiny_config());
  const auto r = run_sluice(pretrain_args(dir, dir / "data", "out", 6, {"--eval-every", "3", "--grad-accum", "2", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(dir / "out" / "metrics.jsonl");
  ASSERT_EQ(lines.size(), 8u);  // 6 steps + 2 evaluations
  for (const char* key : {"\"step\":1", "\"loss\":", "\"lr\":", "\"grad_norm\":", "\"tokens_per_s\":", "\"peak_rss_bytes\":"}) {
    EXPECT_NE(lines[0].find(key), std::string::npos) << key << " in " << lines[0];
  }
  EXPECT_NE(lines[3].find("\"step\":3,\"val_loss\":"), std::string::npos) << lines[3];
  EXPECT_NE(lines[3].find("\"val_ppl\":"), std::string::npos);
  for (const char* file : {"config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json", "best/model.safetensors"}) {
    EXPECT_TRUE(fs::exists(dir / "out" / file)) << file;
  }
  EXPECT_LT(json_number(lines[1], "lr"), json_number(lines[0], "lr") * 3);  // warmup then cosine
}

TEST(Train, StopAndResumeGivesTheSameLossesToTheBit) {
  TempDir dir;
  make_corpus(dir / "data", 2, 0, 4096);
  write_config(dir / "model.json", tiny_config());
  const auto args = pretrain_args(dir, dir / "data", "run", 8, {"--eval-every", "4", "--grad-accum", "2"});
  expect_exact_resume(args, dir / "full", dir / "split", 3, {"model.safetensors"});
  EXPECT_EQ(loss_fields(dir / "full" / "metrics.jsonl").size(), 8u);
  // A resume with a different batch size would change the data order: refused.
  auto changed = args;
  set_option(changed, "--out", (dir / "split").string());
  set_option(changed, "--batch-size", "2");
  changed.push_back("--resume");
  const auto r3 = run_sluice(changed);
  EXPECT_EQ(r3.exit_code, 1);
  EXPECT_NE(r3.err.find("resume with the same value"), std::string::npos) << r3.err;
}

TEST(Train, SigtermSavesACheckpointThatResumes) {
  TempDir dir;
  make_corpus(dir / "data", 3, 0, 4096);
  write_config(dir / "model.json", tiny_config());
  std::string command = std::string(SLUICE_BINARY);
  for (const auto& a : pretrain_args(dir, dir / "data", "out", 100000, {"--eval-every", "100000"})) command += " '" + a + "'";
  const std::string script = command + " & pid=$!; while ! grep -q '\"step\":3,' '" + (dir / "out" / "metrics.jsonl").string() +
                             "' 2>/dev/null; do sleep 0.05; done; kill -TERM $pid; wait $pid";
  const auto r = run("/bin/sh", {"-c", script});
  EXPECT_EQ(r.exit_code, 130) << r.err;
  EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
  ASSERT_TRUE(fs::exists(dir / "out" / "trainer_state.json"));
  const std::string state = read_text(dir / "out" / "trainer_state.json");
  EXPECT_GE(json_number(state, "step"), 3);
}

TEST(Train, PretrainingOnDocsThenFinetuningOnCodeBeatsRandomInit) {
  TempDir dir;
  make_corpus(dir / "docs", 5, 0.0, 20000);
  make_corpus(dir / "code", 5, 0.3, 20000, 2);  // a related "language": 30% of transitions differ
  write_config(dir / "model.json", tiny_config());
  ASSERT_EQ(run_sluice(pretrain_args(dir, dir / "docs", "base", 120, {"--eval-every", "120"})).exit_code, 0);
  auto tuned = train_args("finetune", dir / "code", dir / "tuned", 30);
  tuned.insert(tuned.end(), {"--init", (dir / "base").string(), "--eval-every", "30", "--json"});
  const auto a = run_sluice(tuned), b = run_sluice(pretrain_args(dir, dir / "code", "scratch", 30, {"--eval-every", "30", "--json"}));
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_LT(json_number(a.out, "val_loss"), json_number(b.out, "val_loss") - 0.1) << a.out << b.out;
  // sluice eval on the held-out code agrees with the loop's own evaluation of the final weights.
  const auto e = run_sluice({"eval", "--ckpt", (dir / "tuned").string(), "--data", (dir / "code").string(), "--seq-len", "16", "--json"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_GT(json_number(e.out, "loss"), 0);
  EXPECT_NEAR(json_number(e.out, "perplexity"), std::exp(json_number(e.out, "loss")), 1e-6 * json_number(e.out, "perplexity"));
}

TEST(Train, BadInputsAreClearErrors) {
  TempDir dir;
  make_corpus(dir / "data", 1, 0, 2048);
  write_config(dir / "model.json", tiny_config());
  // In-process for speed (each binary start loads LibTorch); the exit status is checked once below.
  auto expect_error = [&](TrainOptions o, const std::string& message) {
    try {
      train(o);
      ADD_FAILURE() << "no error, expected: " << message;
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  };
  const auto o = small_options(dir / "model.json", dir / "data", dir / "out", 2);
  auto bad = o;
  bad.data = dir / "empty";
  expect_error(bad, "not a directory of token shards");
  fs::create_directories(dir / "empty");
  expect_error(bad, "no token shards");
  bad = o;
  bad.config = dir / "missing.json";
  expect_error(bad, "no such config file");
  bad = o;
  bad.seq_len = 64;
  expect_error(bad, "exceeds the model's n_positions 32");
  write_config(dir / "small.json", tiny_config(16));
  bad = o;
  bad.config = dir / "small.json";
  expect_error(bad, "beyond the model's vocab_size 16");
  bad = o;
  bad.config.clear();
  bad.init = dir / "nothing";
  expect_error(bad, "no such config file");
  bad = o;
  bad.precision = "fp8";
  expect_error(bad, "--precision must be fp32 or bf16");
  write_text(dir / "data" / "broken.bin", "not tokens");
  expect_error(o, "broken.bin: shorter than the 1024-byte llm.c header");
  const auto r = run_sluice(pretrain_args(dir, dir / "data", "out", 2));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("sluice: error: " + (dir / "data" / "broken.bin").string()), std::string::npos) << r.err;
}

TEST(Train, EarlyStoppingAfterPatienceEvaluationsWithoutImprovement) {
  TempDir dir;
  make_corpus(dir / "data", 6, 0, 4096);
  write_config(dir / "model.json", tiny_config());
  auto o = small_options(dir / "model.json", dir / "data", dir / "out", 20);
  o.lr = 1e-30;  // updates below float resolution: the validation loss cannot improve
  o.eval_every = 1;
  o.patience = 2;
  const auto s = train(o);
  EXPECT_TRUE(s.early_stopped);
  EXPECT_EQ(s.steps_done, 3);  // step 1 sets the best, steps 2 and 3 do not beat it
  EXPECT_TRUE(fs::exists(dir / "out" / "best" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "out" / "trainer_state.json"));
}

TEST(Train, Bf16AutocastAndDocumentMasksTrain) {
  TempDir dir;
  make_corpus(dir / "data", 4, 0, 4096);
  write_config(dir / "model.json", tiny_config());
  auto o = small_options(dir / "model.json", dir / "data", dir / "out", 12);
  o.batch_size = 4;
  o.lr = 3e-3;
  o.precision = "bf16";
  o.doc_mask = true;
  const auto s = train(o);
  EXPECT_EQ(s.steps_done, 12);
  EXPECT_TRUE(std::isfinite(s.last_loss));
  EXPECT_LT(s.last_val_loss, std::log(64.0));  // better than uniform over the vocabulary
}

// The product's path: documents -> tokenizer -> .tok shards -> pretrain -> eval (bits per byte) ->
// generate from a text prompt.
TEST(Pipeline, TokShardsFromTheTokenizeStageTrainEvaluateAndSample) {
  TempDir dir;
  fs::create_directories(dir / "docs");
  write_documents(dir / "docs" / "part-00000.jsonl.zst", 60, 3);
  auto ok = [](const RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0;
  };
  ASSERT_TRUE(ok(run_sluice({"tokenizer", "train", "--in", (dir / "docs").string(), "--out", (dir / "tokenizer.json").string(),
                             "--vocab-size", "320", "--pattern", "gpt2"})));
  ASSERT_TRUE(ok(run_sluice({"tokenize", "--in", (dir / "docs").string(), "--tokenizer", (dir / "tokenizer.json").string(), "--out",
                             (dir / "shards").string(), "--val-fraction", "0.2"})));
  write_config(dir / "model.json", tiny_config(320, 32));
  ASSERT_TRUE(ok(run_sluice(pretrain_args(dir, dir / "shards", "ckpt", 6, {"--tokenizer", (dir / "tokenizer.json").string(), "--doc-mask"}))));
  const std::string metrics = read_text(dir / "ckpt" / "metrics.jsonl");
  EXPECT_NE(metrics.find("\"val_bpb\":"), std::string::npos) << metrics;
  EXPECT_TRUE(fs::exists(dir / "ckpt" / "tokenizer.json"));
  const auto e = run_sluice({"eval", "--ckpt", (dir / "ckpt").string(), "--data", (dir / "shards").string(), "--seq-len", "32", "--json"});
  ASSERT_TRUE(ok(e));
  EXPECT_GT(json_number(e.out, "bits_per_byte"), 0) << e.out;
  const auto g = run_sluice({"generate", "--ckpt", (dir / "ckpt").string(), "--prompt", "def main():", "--max-new-tokens", "5",
                             "--ignore-eos", "--json"});
  ASSERT_TRUE(ok(g));
  EXPECT_NE(g.out.find("\"text\":"), std::string::npos) << g.out;
}

TEST(Generate, KvCacheMatchesFullRecomputationAndSamplingIsSeeded) {
  TempDir dir;
  init_checkpoint(tiny_config(), 5, dir / "ckpt");
  auto greedy = [&](bool cache) {
    std::vector<std::string> args = {"generate", "--ckpt", (dir / "ckpt").string(), "--prompt-tokens", "1,2,3", "--max-new-tokens", "12",
                                     "--temperature", "0", "--ignore-eos"};
    if (!cache) args.push_back("--no-cache");
    return run_sluice(args);
  };
  const auto a = greedy(true), b = greedy(false);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), ' '), 12);
  GenerateOptions o;
  o.checkpoint = dir / "ckpt";
  o.prompt = {4, 5};
  o.max_new_tokens = 10;
  o.top_k = 5;
  o.top_p = 0.9;
  o.stop_at_eos = false;
  EXPECT_EQ(generate(o), generate(o));
  o.prompt = {100};
  EXPECT_THROW(generate(o), std::exception);
}

TEST(Generate, PromptTextNeedsATokenizer) {
  TempDir dir;
  init_checkpoint(tiny_config(), 5, dir / "ckpt");
  const auto r = run_sluice({"generate", "--ckpt", (dir / "ckpt").string(), "--prompt", "def f():"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("pass --tokenizer"), std::string::npos) << r.err;
}

// A GPT-2 checkpoint as Hugging Face writes it (`transformer.` prefix, Conv1D [in, out], an
// attn.bias buffer) with weights large enough that every part of the network shapes the logits.
void write_random_hf_checkpoint(const fs::path& dir, const ModelConfig& c, std::uint64_t seed) {
  fs::create_directories(dir);
  write_config(dir / "config.json", c);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<std::vector<float>> storage;
  std::vector<TensorBlob> blobs;
  auto add = [&](const std::string& name, std::vector<std::int64_t> shape, float mean, float std) {
    std::int64_t n = 1;
    for (const auto d : shape) n *= d;
    storage.emplace_back(static_cast<std::size_t>(n));
    for (auto& v : storage.back()) v = mean + std * normal(rng);
    blobs.push_back({"transformer." + name, DType::kF32, shape, storage.back().data(), storage.back().size() * 4});
  };
  storage.reserve(64);
  const auto C = c.n_embd;
  add("wte.weight", {c.vocab_size, C}, 0, 0.5f);
  add("wpe.weight", {c.n_positions, C}, 0, 0.3f);
  for (std::int64_t i = 0; i < c.n_layer; ++i) {
    const std::string p = "h." + std::to_string(i) + ".";
    add(p + "ln_1.weight", {C}, 1, 0.2f);
    add(p + "ln_1.bias", {C}, 0, 0.2f);
    add(p + "attn.c_attn.weight", {C, 3 * C}, 0, 0.3f);
    add(p + "attn.c_attn.bias", {3 * C}, 0, 0.2f);
    add(p + "attn.c_proj.weight", {C, C}, 0, 0.2f);
    add(p + "attn.c_proj.bias", {C}, 0, 0.1f);
    add(p + "ln_2.weight", {C}, 1, 0.2f);
    add(p + "ln_2.bias", {C}, 0, 0.2f);
    add(p + "mlp.c_fc.weight", {C, 4 * C}, 0, 0.2f);
    add(p + "mlp.c_fc.bias", {4 * C}, 0, 0.2f);
    add(p + "mlp.c_proj.weight", {4 * C, C}, 0, 0.1f);
    add(p + "mlp.c_proj.bias", {C}, 0, 0.1f);
    add(p + "attn.bias", {1, 1, c.n_positions, c.n_positions}, 1, 0);
  }
  add("ln_f.weight", {C}, 1, 0.2f);
  add("ln_f.bias", {C}, 0, 0.2f);
  write_safetensors(dir / "model.safetensors", blobs, {{"format", "pt"}});
}

// Logits of a saved checkpoint against GPT-2 built independently in Python from the same file.
TEST(Reference, LogitsMatchPythonTorchWithinOneE4) {
  if (run("/usr/bin/python3", {"-c", "import torch"}).exit_code != 0) GTEST_SKIP() << "python3-torch is not installed";
  TempDir dir;
  auto config = tiny_config(80, 24);
  config.n_layer = 3;
  config.n_head = 4;
  write_random_hf_checkpoint(dir / "ckpt", config, 21);
  const std::vector<std::uint32_t> tokens = {5, 17, 3, 79, 0, 42, 42, 8, 11, 60, 2, 33};
  std::string ids;
  for (const auto t : tokens) ids += (ids.empty() ? "" : ",") + std::to_string(t);
  const auto r = run("/usr/bin/python3", {SLUICE_REFERENCE_SCRIPT, (dir / "ckpt").string(), ids, (dir / "ref.f32").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ours = compute_logits(dir / "ckpt", tokens);
  const double worst = max_abs_difference(read_text(dir / "ref.f32"), ours);
  EXPECT_LT(worst, 1e-4);
  double spread = 0;
  for (const auto v : ours) spread = std::max(spread, static_cast<double>(std::abs(v)));
  EXPECT_GT(spread, 1.0);  // the comparison is not of near-zero numbers
}

}  // namespace
}  // namespace sluice::test
