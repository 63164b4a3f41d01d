#include "support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>

#include "sluice/finetune/data.h"
#include "test_support.h"

namespace sluice::test {

finetune::ModelConfig tiny_config(std::int64_t vocab, std::int64_t positions) {
  finetune::ModelConfig c;
  c.n_layer = 2;
  c.n_head = 2;
  c.n_embd = 32;
  c.n_positions = positions;
  c.vocab_size = vocab;
  c.bos_token_id = c.eos_token_id = vocab - 1;
  return c;
}

void write_config(const std::filesystem::path& path, const finetune::ModelConfig& config) {
  write_text(path, finetune::model_config_json(config));
}

std::vector<std::uint32_t> markov_tokens(std::size_t count, std::uint32_t vocab, std::uint64_t chain_seed,
                                         std::uint64_t sample_seed, double mutation, std::uint32_t branching) {
  std::mt19937_64 chain(chain_seed), other(chain_seed + 7777), pick(chain_seed + 99);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<std::vector<std::uint32_t>> next(vocab);
  for (auto& row : next) {
    auto& source = unit(pick) < mutation ? other : chain;
    for (std::uint32_t b = 0; b < branching; ++b) row.push_back(static_cast<std::uint32_t>(source() % vocab));
  }
  std::mt19937_64 sample(sample_seed);
  std::vector<std::uint32_t> tokens(count);
  std::uint32_t state = 0;
  for (auto& t : tokens) {
    state = next[state][sample() % branching];
    t = state;
  }
  return tokens;
}

std::vector<std::string> loss_fields(const std::filesystem::path& metrics) {
  std::ifstream in(metrics);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    const auto at = line.find("\"loss\":");
    if (at == std::string::npos) continue;
    out.push_back(line.substr(0, line.find(",\"tokens_per_s\"")));  // step, loss, lr, grad_norm
  }
  return out;
}

double json_number(const std::string& json, const std::string& key) {
  const auto at = json.find("\"" + key + "\":");
  if (at == std::string::npos) return NAN;
  return std::stod(json.substr(at + key.size() + 3));
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

void make_corpus(const std::filesystem::path& dir, std::uint64_t chain, double mutation, std::size_t tokens, std::uint64_t sample) {
  std::filesystem::create_directories(dir);
  finetune::write_llmc_tokens(dir / "train.bin", markov_tokens(tokens, 64, chain, sample, mutation));
  finetune::write_llmc_tokens(dir / "val.bin", markov_tokens(2048, 64, chain, sample + 1000, mutation));
}

std::vector<std::string> train_args(const std::string& command, const std::filesystem::path& data, const std::filesystem::path& out,
                                    int steps) {
  return {command, "--data", data.string(), "--out", out.string(), "--steps", std::to_string(steps), "--batch-size", "4",
          "--seq-len", "16", "--lr", "3e-3", "--seed", "11", "--threads", "1", "--eval-batches", "2"};
}

void set_option(std::vector<std::string>& args, const std::string& name, const std::string& value) {
  const auto at = std::find(args.begin(), args.end(), name);
  if (at != args.end() && at + 1 != args.end()) *(at + 1) = value;
  else args.insert(args.end(), {name, value});
}

finetune::TrainOptions small_options(const std::filesystem::path& config, const std::filesystem::path& data,
                                     const std::filesystem::path& out, std::int64_t steps) {
  finetune::TrainOptions o;
  o.config = config;
  o.data = data;
  o.out = out;
  o.steps = steps;
  o.batch_size = 2;
  o.seq_len = 16;
  o.threads = 1;
  return o;
}

void expect_exact_resume(const std::vector<std::string>& args, const std::filesystem::path& full, const std::filesystem::path& split,
                         int stop_after, const std::vector<std::string>& files) {
  auto at = [&](const std::filesystem::path& out) {
    auto a = args;
    set_option(a, "--out", out.string());
    return a;
  };
  const auto r0 = run_sluice(at(full));
  ASSERT_EQ(r0.exit_code, 0) << r0.err;
  auto stopped = at(split);
  set_option(stopped, "--stop-after", std::to_string(stop_after));
  const auto r1 = run_sluice(stopped);
  ASSERT_EQ(r1.exit_code, 130) << r1.err;
  EXPECT_NE(r1.err.find("--resume"), std::string::npos) << r1.err;
  auto resumed = at(split);
  resumed.push_back("--resume");
  const auto r2 = run_sluice(resumed);
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  const auto a = loss_fields(full / "metrics.jsonl"), b = loss_fields(split / "metrics.jsonl");
  EXPECT_GT(a.size(), static_cast<std::size_t>(stop_after));
  EXPECT_EQ(a, b);
  for (const auto& file : files) EXPECT_EQ(read_text(full / file), read_text(split / file)) << file << " differs after resume";
}

double max_abs_difference(const std::string& reference_f32, const std::vector<float>& ours) {
  EXPECT_EQ(reference_f32.size(), ours.size() * 4);
  double worst = 0;
  for (std::size_t i = 0; i < ours.size() && 4 * i + 4 <= reference_f32.size(); ++i) {
    float ref = 0;
    std::memcpy(&ref, reference_f32.data() + 4 * i, 4);
    worst = std::max(worst, static_cast<double>(std::abs(ref - ours[i])));
  }
  return worst;
}

}  // namespace sluice::test
