#include "support.h"

#include <fstream>
#include <random>

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

}  // namespace sluice::test
