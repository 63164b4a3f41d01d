// sluice dedup: exact and near-duplicate removal across a shard set (dedup/include/sluice/dedup/dedup.h).
#include <cstdio>
#include <iostream>

#include "../command.h"
#include "sluice/core/error.h"
#include "sluice/core/progress.h"
#include "sluice/core/shard_set.h"
#include "sluice/dedup/dedup.h"

namespace sluice::cli {
namespace {

struct DedupCliOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> against;
  std::string out;
  std::string mode = "both";
  double threshold = 0.7;
  unsigned num_perm = 256;
  unsigned ngram = 5;
  std::uint64_t seed = 1;
  unsigned bands = 0;
  unsigned rows = 0;
  bool verify = false;
  bool normalize = false;
  bool no_license_rank = false;
  std::string rank_field = "stars";
  int level = 3;
  unsigned threads = 0;
  int phase = 0;
  std::size_t task = 0;
  std::size_t tasks = 1;
  bool explain = false;
  bool json = false;
};

dedup::DedupOptions resolve(const DedupCliOptions& cli) {
  dedup::DedupOptions options;
  options.mode = dedup::parse_mode(cli.mode);
  options.threshold = cli.threshold;
  if (!(cli.threshold > 0.0 && cli.threshold < 1.0)) throw Error("--threshold must be between 0 and 1 (exclusive), e.g. 0.7");
  options.minhash.num_perm = cli.num_perm;
  options.minhash.ngram = cli.ngram;
  options.minhash.seed = cli.seed;
  if ((cli.bands == 0) != (cli.rows == 0)) throw Error("give both --bands and --rows, or neither (then they follow --threshold)");
  // With --verify a false candidate costs one Jaccard computation and is split off, so the bands
  // lean toward recall (false negatives weigh 0.9); without it both kinds of error weigh 0.5.
  const double fn_weight = cli.verify ? dedup::kVerifyFalseNegativeWeight : 0.5;
  options.lsh = cli.bands ? dedup::LshParams{cli.bands, cli.rows}
                          : dedup::optimal_lsh(cli.threshold, cli.num_perm, 1.0 - fn_weight, fn_weight);
  options.verify = cli.verify;
  options.normalize_whitespace = cli.normalize;
  options.rank.by_license = !cli.no_license_rank;
  options.rank.field = cli.rank_field;
  options.zstd_level = cli.level;
  options.threads = cli.threads;
  options.phase = cli.phase;
  options.task = cli.task;
  options.tasks = cli.tasks;
  options.out = cli.out;
  return options;
}

int run_dedup_command(const DedupCliOptions& cli) {
  dedup::DedupOptions options = resolve(cli);
  if (cli.explain) {
    std::cout << dedup::explain(options, cli.json);
    return 0;
  }
  if (cli.inputs.empty() || cli.out.empty()) throw Error("dedup needs --in DIR and --out DIR (or --explain)");
  for (const auto& input : cli.inputs) {
    for (auto& file : list_document_files(input)) options.inputs.push_back(std::move(file));
  }
  for (const auto& reference : cli.against) {
    for (auto& file : list_document_files(reference)) options.against.push_back(std::move(file));
  }
  if (options.mode != dedup::Mode::kExact) {
    std::fprintf(stderr, "dedup: near-duplicates at Jaccard %.2f: %u permutations, LSH %u bands x %u rows\n", options.threshold,
                 options.minhash.num_perm, options.lsh.bands, options.lsh.rows);
  }
  const dedup::DedupReport report = dedup::run_dedup(options);
  if (cli.json) {
    std::cout << report.to_json(options) << "\n";
  } else {
    std::fprintf(stderr,
                 "dedup: %llu documents in, %llu kept, %llu exact and %llu near duplicates removed (%llu against the reference), "
                 "%llu clusters, %s -> %s in %.1f s\n",
                 static_cast<unsigned long long>(report.documents_in), static_cast<unsigned long long>(report.documents_kept),
                 static_cast<unsigned long long>(report.removed_exact), static_cast<unsigned long long>(report.removed_near),
                 static_cast<unsigned long long>(report.removed_against), static_cast<unsigned long long>(report.clusters),
                 human_bytes(static_cast<double>(report.text_bytes_in)).c_str(),
                 human_bytes(static_cast<double>(report.text_bytes_kept)).c_str(), report.seconds);
  }
  return 0;
}

const bool registered = register_command({
    "dedup", "Remove exact and near-duplicate documents across a shard set (MinHash LSH)", 200,
    [](CLI::App& app) -> RunFunction {
      auto o = std::make_shared<DedupCliOptions>();
      app.description(
          "Removes duplicates across a whole shard set, the way The Stack and StarCoder did.\n"
          "  exact: XXH3-128 of the text; near: MinHash over 5-gram shingles of [A-Za-z0-9_] tokens with LSH\n"
          "  banding chosen for --threshold (see --explain). Clusters keep one document, ranked by license\n"
          "  (permissive > none > other, from metadata.license), then --rank-field (larger first), then smallest id.\n"
          "Writes OUT/part-NNNNN.jsonl.zst (kept), OUT/rejected/ (every removed document, with\n"
          "metadata.rejected_by = dedup:exact|dedup:near and duplicate_of = the kept twin's id) and\n"
          "OUT/duplicates/clusters.jsonl.zst. Work files in OUT/dedup-work/ make every phase resumable;\n"
          "--phase/--task/--tasks run one phase's share as a Slurm array task (docs/dedup-format.md).");
      app.add_option("--in", o->inputs, "Document files or directories (repeatable)");
      app.add_option("--out", o->out, "Output shard set directory");
      app.add_option("--mode", o->mode, "exact, near or both")->default_val("both");
      app.add_option("--threshold", o->threshold, "Jaccard similarity that counts as a near-duplicate")->default_val(0.7);
      app.add_option("--num-perm", o->num_perm, "MinHash permutations")->default_val(256);
      app.add_option("--ngram", o->ngram, "Tokens per shingle")->default_val(5);
      app.add_option("--seed", o->seed, "Seed of the permutations")->default_val(1);
      app.add_option("--bands", o->bands, "LSH bands (default: optimal for --threshold)");
      app.add_option("--rows", o->rows, "LSH rows per band (default: optimal for --threshold)");
      app.add_flag("--verify", o->verify, "Compute the true Jaccard of candidates and split off false positives");
      app.add_option("--against", o->against, "Reference shard set: drop documents that duplicate it (it is not changed)");
      app.add_flag("--normalize-whitespace", o->normalize, "Exact keys ignore differences in whitespace runs");
      app.add_option("--rank-field", o->rank_field, "Metadata number that ranks survivors, larger first ('' = none)")
          ->default_val("stars");
      app.add_flag("--no-license-rank", o->no_license_rank, "Do not rank survivors by license class");
      add_level_option(app, o->level, 3);
      app.add_option("--phase", o->phase, "Run only this phase (1 signatures, 2 buckets, 3 components, 4 filter)")
          ->check(CLI::Range(1, 4));
      app.add_option("--task", o->task, "With --phase: this task's index (e.g. $SLURM_ARRAY_TASK_ID)")->default_val(0);
      app.add_option("--tasks", o->tasks, "With --phase: how many tasks share the phase")->default_val(1);
      app.add_flag("--explain", o->explain, "Print the parameters and the LSH S-curve, then exit");
      add_threads_option(app, o->threads);
      add_json_flag(app, o->json);
      return [o] { return run_dedup_command(*o); };
    }});

}  // namespace
}  // namespace sluice::cli
