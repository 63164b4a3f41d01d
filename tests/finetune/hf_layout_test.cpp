// What an exported checkpoint directory must hold for Hugging Face transformers to load it as
// GPT2LMHeadModel. transformers is not installable here, so the expectations are written out from
// its GPT-2 code (src/transformers/models/gpt2/modeling_gpt2.py and configuration_gpt2.py):
// - GPT2LMHeadModel = `transformer` (GPT2Model) + `lm_head` tied to transformer.wte;
//   _keys_to_ignore_on_load_missing = attn.masked_bias, attn.bias, lm_head.weight, so a file
//   without lm_head.weight loads (the head is re-tied);
// - GPT2Model: wte = Embedding(vocab_size, n_embd), wpe = Embedding(n_positions, n_embd),
//   h.{i}: ln_1, attn (c_attn = Conv1D(3 n_embd, n_embd), c_proj = Conv1D(n_embd, n_embd)), ln_2,
//   mlp (c_fc = Conv1D(n_inner, n_embd), c_proj = Conv1D(n_embd, n_inner)), then ln_f;
// - Conv1D(nf, nx) holds weight [nx, nf] (input first) and bias [nf];
// - from_pretrained refuses a safetensors file whose metadata "format" is not "pt" (or tf/flax/mlx);
// - GPT2Config fields: model_type "gpt2", vocab_size, n_positions, n_embd, n_layer, n_head,
//   n_inner, activation_function, layer_norm_epsilon, bos/eos_token_id, ... .
// The same directory is then loaded by the independent python3-torch GPT-2 (reference_logits.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include "sluice/finetune/checkpoint.h"
#include "sluice/finetune/safetensors.h"
#include "sluice/finetune/train.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::finetune;
namespace fs = std::filesystem;
using Shapes = std::map<std::string, std::vector<std::int64_t>>;

// Every tensor GPT2LMHeadModel's state dict needs from the file, with its shape.
Shapes transformers_gpt2_tensors(std::int64_t layers, std::int64_t embd, std::int64_t inner, std::int64_t vocab, std::int64_t positions) {
  Shapes s = {{"wte.weight", {vocab, embd}}, {"wpe.weight", {positions, embd}}, {"ln_f.weight", {embd}}, {"ln_f.bias", {embd}}};
  for (std::int64_t i = 0; i < layers; ++i) {
    const std::string h = "h." + std::to_string(i) + ".";
    s[h + "ln_1.weight"] = s[h + "ln_1.bias"] = s[h + "ln_2.weight"] = s[h + "ln_2.bias"] = {embd};
    s[h + "attn.c_attn.weight"] = {embd, 3 * embd};
    s[h + "attn.c_attn.bias"] = {3 * embd};
    s[h + "attn.c_proj.weight"] = {embd, embd};
    s[h + "attn.c_proj.bias"] = {embd};
    s[h + "mlp.c_fc.weight"] = {embd, inner};
    s[h + "mlp.c_fc.bias"] = {inner};
    s[h + "mlp.c_proj.weight"] = {inner, embd};
    s[h + "mlp.c_proj.bias"] = {embd};
  }
  return s;
}

std::string string_field(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\": \"");
  if (at == std::string::npos) return "";
  const auto begin = at + key.size() + 5;
  return json.substr(begin, json.find('"', begin) - begin);
}

void expect_transformers_layout(const fs::path& dir, const ModelConfig& c) {
  const std::string config = read_text(dir / "config.json");
  EXPECT_EQ(string_field(config, "model_type"), "gpt2") << config;
  EXPECT_NE(config.find("\"GPT2LMHeadModel\""), std::string::npos) << "architectures";
  EXPECT_EQ(string_field(config, "activation_function"), "gelu_new");
  EXPECT_EQ(json_number(config, "n_layer"), c.n_layer);
  EXPECT_EQ(json_number(config, "n_head"), c.n_head);
  EXPECT_EQ(json_number(config, "n_embd"), c.n_embd);
  EXPECT_EQ(json_number(config, "n_positions"), c.n_positions);
  EXPECT_EQ(json_number(config, "vocab_size"), c.vocab_size);
  EXPECT_EQ(json_number(config, "n_inner"), 4 * c.n_embd);
  EXPECT_EQ(json_number(config, "layer_norm_epsilon"), c.layer_norm_epsilon);
  EXPECT_EQ(json_number(config, "bos_token_id"), c.bos_token_id);
  EXPECT_EQ(json_number(config, "eos_token_id"), c.eos_token_id);
  EXPECT_NE(config.find("\"tie_word_embeddings\": true"), std::string::npos);

  const SafetensorsFile file(dir / "model.safetensors");
  ASSERT_EQ(file.metadata().count("format"), 1u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  auto expected = transformers_gpt2_tensors(c.n_layer, c.n_embd, 4 * c.n_embd, c.vocab_size, c.n_positions);
  for (const auto& info : file.tensors()) {
    const auto found = expected.find(info.name);
    if (found == expected.end()) {
      ADD_FAILURE() << "tensor '" << info.name << "' is not a GPT2LMHeadModel weight";
      continue;
    }
    EXPECT_EQ(info.shape, found->second) << info.name;
    EXPECT_EQ(info.dtype, DType::kF32) << info.name;
    expected.erase(found);
  }
  for (const auto& [name, shape] : expected) ADD_FAILURE() << "missing tensor '" << name << "'";
  EXPECT_FALSE(fs::exists(dir / "adapter_config.json"));
}

// Logits of the directory from python3-torch's GPT-2 against sluice's, within 1e-4.
void expect_reference_logits(const fs::path& dir, const fs::path& scratch) {
  if (run("/usr/bin/python3", {"-c", "import torch"}).exit_code != 0) GTEST_SKIP() << "python3-torch is not installed";
  const std::vector<std::uint32_t> tokens = {1, 60, 2, 33, 7, 7, 19};
  const auto r = run("/usr/bin/python3", {SLUICE_REFERENCE_SCRIPT, dir.string(), "1,60,2,33,7,7,19", (scratch / "ref.f32").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto ours = compute_logits(dir, tokens);
  const double worst = max_abs_difference(read_text(scratch / "ref.f32"), ours);
  EXPECT_LT(worst, 1e-4);
}

TEST(HfLayout, PretrainOutputAndMergedLoraExportHaveTransformersNamesShapesAndConfig) {
  TempDir dir;
  make_corpus(dir / "data", 9, 0, 4096);
  const auto config = tiny_config();
  write_config(dir / "model.json", config);
  // A trained model, then LoRA on top of it exported merged.
  auto o = small_options(dir / "model.json", dir / "data", dir / "pre", 3);
  train(o);
  expect_transformers_layout(dir / "pre", config);
  o.config.clear();
  o.init = dir / "pre";
  o.out = dir / "lora";
  o.lora_rank = 2;
  o.merge_lora = true;
  train(o);
  expect_transformers_layout(dir / "lora" / "merged", config);
  expect_reference_logits(dir / "lora" / "merged", dir.path());
}

}  // namespace
}  // namespace sluice::test
