// LoRA as an option of finetune, through the real binary: only the adapters train, the base
// weights stay as they were, the merged export computes what the adapted model computes, and a
// stopped run resumes to the bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "sluice/finetune/checkpoint.h"
#include "sluice/finetune/safetensors.h"
#include "sluice/finetune/train.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::finetune;
namespace fs = std::filesystem;

// `sluice finetune` from DIR/base with rank-4 adapters (alpha 8) on every Linear layer.
std::vector<std::string> lora_args(const TempDir& dir, int steps, const std::vector<std::string>& extra = {}) {
  auto args = train_args("finetune", dir / "data", dir / "out", steps);
  set_option(args, "--lr", "1e-2");
  args.insert(args.end(), {"--init", (dir / "base").string(), "--lora-rank", "4", "--lora-alpha", "8"});
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// DIR/base: a model pretrained briefly on one Markov "language"; DIR/data: a related one (30% of
// its transitions differ) to adapt to. (A random initialisation would not do: its frozen head is
// too small for adapters to move the logits far.)
void make_base(const TempDir& dir) {
  make_corpus(dir / "docs", 8, 0, 8192);
  make_corpus(dir / "data", 8, 0.3, 8192, 2);
  write_config(dir / "model.json", tiny_config());
  auto o = small_options(dir / "model.json", dir / "docs", dir / "base", 80);
  o.batch_size = 4;
  o.lr = 1e-2;
  o.eval_every = 80;
  train(o);
}

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(a[i] - b[i])));
  return worst;
}

TEST(Lora, OnlyAdaptersTrainTheBaseStaysAndTheMergeMatches) {
  TempDir dir;
  make_base(dir);
  const auto r = run_sluice(lora_args(dir, 40, {"--eval-every", "40", "--merge-lora", "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Rank r on every Linear of a block: c_attn r(C + 3C), attn.c_proj r(C + C), c_fc r(C + 4C),
  // mlp.c_proj r(4C + C) = 16 r C; two blocks, r = 4, C = 32.
  EXPECT_EQ(json_number(r.out, "trainable_parameters"), 2 * 16 * 4 * 32) << r.out;
  const auto losses = loss_fields(dir / "out" / "metrics.jsonl");
  ASSERT_EQ(losses.size(), 40u);
  EXPECT_LT(json_number(losses.back(), "loss"), json_number(losses.front(), "loss") - 0.3) << losses.front() << "\n" << losses.back();

  // The base weights are untouched: the same bytes as the checkpoint the run started from.
  EXPECT_EQ(read_text(dir / "base" / "model.safetensors"), read_text(dir / "out" / "model.safetensors"));
  // Adapters under PEFT's names and shapes: lora_A [r, in], lora_B [out, r].
  const SafetensorsFile adapters(dir / "out" / "adapter_model.safetensors");
  ASSERT_EQ(adapters.tensors().size(), 2u * 4u * 2u);
  const auto* a = adapters.find("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight");
  const auto* b = adapters.find("base_model.model.transformer.h.1.mlp.c_proj.lora_B.weight");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(a->shape, (std::vector<std::int64_t>{4, 32}));
  EXPECT_EQ(b->shape, (std::vector<std::int64_t>{32, 4}));
  const std::string adapter_config = read_text(dir / "out" / "adapter_config.json");
  EXPECT_NE(adapter_config.find("\"peft_type\": \"LORA\""), std::string::npos) << adapter_config;
  EXPECT_EQ(json_number(adapter_config, "r"), 4);

  // The merged export is a plain model that computes what base + adapters compute.
  EXPECT_FALSE(fs::exists(dir / "out" / "merged" / "adapter_config.json"));
  const std::vector<std::uint32_t> tokens = {3, 9, 27, 17, 51, 0, 62, 5, 5, 40};
  const auto adapted = compute_logits(dir / "out", tokens), merged = compute_logits(dir / "out" / "merged", tokens);
  const auto base = compute_logits(dir / "base", tokens);
  ASSERT_EQ(adapted.size(), merged.size());
  EXPECT_LT(max_difference(adapted, merged), 1e-5);
  EXPECT_GT(max_difference(adapted, base), 1e-2);  // the adapters changed the model
  // `sluice export-model` merges the same way.
  const auto e = run_sluice({"export-model", "--ckpt", (dir / "out").string(), "--out", (dir / "exported").string(), "--json"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_NE(e.out.find("\"merged_lora\": true"), std::string::npos) << e.out;
  EXPECT_EQ(read_text(dir / "exported" / "model.safetensors"), read_text(dir / "out" / "merged" / "model.safetensors"));
}

TEST(Lora, StopAndResumeGivesTheSameLossesToTheBit) {
  TempDir dir;
  make_base(dir);
  expect_exact_resume(lora_args(dir, 6, {"--eval-every", "3"}), dir / "full", dir / "split", 2,
                      {"adapter_model.safetensors", "model.safetensors", "optimizer.safetensors"});
  // Resuming with another rank would not continue the same adapters: refused.
  auto other = lora_args(dir, 6, {"--resume"});
  set_option(other, "--out", (dir / "split").string());
  set_option(other, "--lora-rank", "2");
  const auto r = run_sluice(other);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("resume with the same rank"), std::string::npos) << r.err;
}

TEST(Lora, UnknownTargetsAreAClearError) {
  TempDir dir;
  make_base(dir);
  auto o = small_options("", dir / "data", dir / "out", 2);
  o.init = dir / "base";
  o.lora_rank = 4;
  o.lora_targets = {"q_proj"};
  try {
    train(o);
    ADD_FAILURE() << "no error for an unknown LoRA target";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("matched no layer; this model's layers are attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace sluice::test
