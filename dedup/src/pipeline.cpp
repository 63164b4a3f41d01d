#include <chrono>
#include <cmath>
#include <cstdio>

#include <simdjson.h>

#include "context.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"

namespace sluice::dedup {
namespace {

void check(const DedupOptions& options) {
  if (options.inputs.empty()) throw Error("dedup: no input documents (give --in DIR)");
  if (!(options.threshold > 0.0 && options.threshold < 1.0)) {
    throw Error("--threshold must be between 0 and 1 (exclusive), e.g. 0.7");
  }
  if (options.minhash.num_perm < 1 || options.minhash.num_perm > 1024) throw Error("--num-perm must be between 1 and 1024");
  if (options.minhash.ngram < 1 || options.minhash.ngram > 64) throw Error("--ngram must be between 1 and 64");
  if (options.lsh.bands < 1 || options.lsh.rows < 1 || options.lsh.bands * options.lsh.rows > options.minhash.num_perm) {
    throw Error("--bands x --rows must be at least 1 and at most --num-perm (" + std::to_string(options.minhash.num_perm) + ")");
  }
  if (options.tasks < 1 || options.task >= options.tasks) throw Error("--task must be below --tasks");
  if (options.phase < 0 || options.phase > 4) throw Error("--phase must be 1, 2, 3 or 4 (or 0 for all)");
  std::error_code ec;
  const auto out = std::filesystem::weakly_canonical(options.out, ec);
  for (const auto& list : {options.inputs, options.against}) {
    for (const auto& file : list) {
      if (std::filesystem::weakly_canonical(file.parent_path(), ec) == out) {
        throw Error(file.string() + ": --out must not be the directory it reads from (it would overwrite its input)");
      }
    }
  }
  for (const auto& file : options.against) {
    for (const auto& input : options.inputs) {
      if (std::filesystem::equivalent(file, input, ec)) {
        throw Error(file.string() + ": is both an input and an --against reference; every document would be its own duplicate");
      }
    }
  }
}

std::uint64_t get(simdjson::dom::element element, const char* key) {
  std::uint64_t value = 0;
  if (element[key].get(value) != simdjson::SUCCESS) return 0;
  return value;
}

}  // namespace

std::string options_json(const DedupOptions& options) {
  JsonWriter json;
  json.begin_object().field("mode", mode_name(options.mode));
  json.field("normalize_whitespace", options.normalize_whitespace);
  if (options.mode != Mode::kExact) {
    json.field("threshold", options.threshold).field("num_perm", options.minhash.num_perm);
    json.field("ngram", options.minhash.ngram).field("seed", options.minhash.seed);
    json.field("bands", options.lsh.bands).field("rows", options.lsh.rows).field("verify", options.verify);
  }
  json.field("rank_license", options.rank.by_license).field("rank_field", options.rank.field);
  json.field("zstd_level", options.zstd_level);
  json.end_object();
  return json.take();
}

std::string explain(const DedupOptions& options, bool as_json) {
  const LshParams& lsh = options.lsh;
  const double effective = std::pow(1.0 / lsh.bands, 1.0 / lsh.rows);
  if (as_json) {
    JsonWriter json(true);
    json.begin_object().field("mode", mode_name(options.mode)).field("threshold", options.threshold);
    json.field("num_perm", options.minhash.num_perm).field("ngram", options.minhash.ngram).field("seed", options.minhash.seed);
    json.field("bands", lsh.bands).field("rows", lsh.rows).field("effective_threshold", effective);
    json.key("s_curve").begin_array();
    for (int i = 0; i <= 20; ++i) {
      const double s = i / 20.0;
      json.begin_object().field("similarity", s).field("probability", lsh_probability(s, lsh)).end_object();
    }
    json.end_array().end_object();
    return json.take() + "\n";
  }
  std::string text;
  char line[1024];
  std::snprintf(line, sizeof line,
                "exact: XXH3-128 of the text%s\n"
                "near:  MinHash over %u-gram shingles of [A-Za-z0-9_] tokens, %u permutations (seed %llu)\n"
                "LSH:   %u bands x %u rows (%u of %u permutations used) for threshold %.2f\n"
                "       effective threshold (1/b)^(1/r) = %.3f\n"
                "verify: %s\n\n"
                "probability that a pair is a candidate, by true Jaccard similarity:\n",
                options.normalize_whitespace ? " with whitespace runs made one space" : "", options.minhash.ngram,
                options.minhash.num_perm, static_cast<unsigned long long>(options.minhash.seed), lsh.bands, lsh.rows,
                lsh.bands * lsh.rows, options.minhash.num_perm, options.threshold, effective,
                options.verify ? "on: candidates below the threshold are split off" : "off (every candidate counts)");
  text += line;
  for (int i = 0; i <= 20; ++i) {
    const double s = i / 20.0;
    const double p = lsh_probability(s, lsh);
    std::snprintf(line, sizeof line, "  %.2f  %6.4f  %s\n", s, p, std::string(static_cast<std::size_t>(p * 50 + 0.5), '#').c_str());
    text += line;
  }
  return text;
}

DedupReport run_dedup(const DedupOptions& options) {
  check(options);
  const auto started = std::chrono::steady_clock::now();
  std::filesystem::create_directories(options.out);
  Context context(options);
  DedupReport report;
  auto timed = [&](int phase, const char* name, PhaseStats (*fn)(const Context&)) {
    if (options.phase != 0 && options.phase != phase) return;
    const auto start = std::chrono::steady_clock::now();
    const PhaseStats stats = fn(context);
    report.tasks_run += stats.tasks_run;
    report.tasks_skipped += stats.tasks_skipped;
    report.phase_seconds[name] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  timed(1, "signatures", run_signatures);
  timed(2, "buckets", run_buckets);
  timed(3, "components", run_components);
  timed(4, "filter", run_filter);

  // Totals from what the finished tasks recorded, so a resumed run reports the whole corpus.
  const Manifest manifest = Manifest::load(options.out);
  for (std::size_t s = 0; s < context.input_shards; ++s) {
    const ShardRecord* record = manifest.find(shard_name(s));
    if (!record || record->config_hash != context.config_hash) continue;
    auto counter = [&](const char* name) {
      const auto it = record->counters.find(name);
      return it == record->counters.end() ? std::uint64_t{0} : it->second;
    };
    report.documents_in += counter("documents_in");
    report.text_bytes_in += counter("text_bytes_in");
    report.documents_kept += record->documents;
    report.text_bytes_kept += record->text_bytes;
    report.removed_exact += counter("rejected:dedup:exact");
    report.removed_near += counter("rejected:dedup:near");
    report.removed_against += counter("rejected:against");
  }
  std::error_code ec;
  if (std::filesystem::exists(context.summary_file(), ec)) {
    simdjson::dom::parser parser;
    simdjson::dom::element summary;
    const std::string text = read_small_file(context.summary_file());
    if (parser.parse(text).get(summary) == simdjson::SUCCESS) {
      report.candidate_edges = get(summary, "candidate_edges");
      report.clusters = get(summary, "clusters");
      report.verify_splits = get(summary, "verify_splits");
      report.no_tokens = get(summary, "no_tokens");
    }
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

std::string DedupReport::to_json(const DedupOptions& options) const {
  JsonWriter json;
  json.begin_object().field("mode", mode_name(options.mode));
  if (options.mode != Mode::kExact) {
    json.field("threshold", options.threshold).field("num_perm", options.minhash.num_perm);
    json.field("bands", options.lsh.bands).field("rows", options.lsh.rows).field("verify", options.verify);
  }
  json.field("documents_in", documents_in).field("documents_kept", documents_kept);
  json.field("removed_exact", removed_exact).field("removed_near", removed_near).field("removed_against", removed_against);
  json.field("text_bytes_in", text_bytes_in).field("text_bytes_kept", text_bytes_kept);
  json.field("candidate_edges", candidate_edges).field("clusters", clusters).field("verify_splits", verify_splits);
  json.field("no_tokens", no_tokens);
  json.field("tasks_run", tasks_run).field("tasks_skipped", tasks_skipped);
  json.key("phase_seconds").begin_object();
  for (const auto& [name, value] : phase_seconds) json.field(name, value);
  json.end_object().field("seconds", seconds).end_object();
  return json.take();
}

}  // namespace sluice::dedup
