#pragma once
// Synthetic token data and tiny model configs for the finetune tests.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/finetune/config.h"
#include "sluice/finetune/train.h"

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

double json_number(const std::string& json, const std::string& key);  // NAN when absent
// The largest |reference - ours| where `reference_f32` holds the reference logits as raw
// little-endian floats (what reference_logits.py writes); fails the test when the sizes differ.
double max_abs_difference(const std::string& reference_f32, const std::vector<float>& ours);
std::vector<std::string> lines_of(const std::filesystem::path& path);

// DIR/train.bin and DIR/val.bin from a Markov chain over 64 ids.
void make_corpus(const std::filesystem::path& dir, std::uint64_t chain, double mutation, std::size_t tokens,
                 std::uint64_t sample = 1);

// The arguments of a small, fast run: batch 4, seq_len 16, lr 3e-3, seed 11, 1 thread.
std::vector<std::string> train_args(const std::string& command, const std::filesystem::path& data,
                                    const std::filesystem::path& out, int steps);
// Sets `--name value` in an argument list, replacing an earlier value.
void set_option(std::vector<std::string>& args, const std::string& name, const std::string& value);
// The same small run for in-process calls of train(): batch 2, seq_len 16, 1 thread.
finetune::TrainOptions small_options(const std::filesystem::path& config, const std::filesystem::path& data,
                                     const std::filesystem::path& out, std::int64_t steps);

// Runs `args` (without --out) once to FULL in one go, and once to SPLIT stopped after
// `stop_after` steps and resumed; expects the same losses to the bit and byte-identical `files`.
void expect_exact_resume(const std::vector<std::string>& args, const std::filesystem::path& full,
                         const std::filesystem::path& split, int stop_after, const std::vector<std::string>& files);

}  // namespace sluice::test
