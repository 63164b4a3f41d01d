#pragma once
// Synthetic token data and tiny model configs for the finetune tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/finetune/config.h"

namespace sluice::test {

finetune::ModelConfig tiny_config(std::int64_t vocab = 64, std::int64_t positions = 32);
void write_config(const std::filesystem::path& path, const finetune::ModelConfig& config);
// Tokens from a random first-order Markov chain over `vocab` ids: each id has `branching` likely
// successors. Chains built from the same seed share their transitions; `mutation` is the
// fraction of rows drawn from a different seed (a related "language").
std::vector<std::uint32_t> markov_tokens(std::size_t count, std::uint32_t vocab, std::uint64_t chain_seed,
                                         std::uint64_t sample_seed, double mutation = 0.0, std::uint32_t branching = 3);
// Lines of a metrics.jsonl that contain `"loss":`, as written (for bitwise comparisons).
std::vector<std::string> loss_fields(const std::filesystem::path& metrics);

}  // namespace sluice::test
