// sluice select: keep the documents that match KEY=VALUE terms (and, optionally, a seeded sample
// of them); the rest go to rejected/ with their reason. A small stage of its own, handy in
// pipelines to split documentation from code or to cut a corpus down for a quick experiment.
#include "../command.h"
#include "../document_filter.h"
#include "../report.h"
#include "sluice/core/hash.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/core/stage.h"

namespace sluice::cli {
namespace {

struct SelectOptions {
  std::vector<std::string> inputs;
  std::string out;
  std::vector<std::string> where;
  double sample = 1.0;
  std::uint64_t seed = 0;
  unsigned threads = 0;
  bool json = false;
};

int run_select(const SelectOptions& options) {
  const DocumentFilter filter(options.where);
  std::vector<std::filesystem::path> files;
  for (const auto& input : options.inputs) {
    for (auto& file : list_document_files(input)) files.push_back(std::move(file));
  }
  StageOptions stage;
  stage.stage = "select";
  stage.out = options.out;
  stage.threads = options.threads;
  JsonWriter config;
  config.begin_object().key("where").begin_array();
  for (const auto& term : options.where) config.value(term);
  config.end_array().field("sample", options.sample).field("seed", options.seed).end_object();
  stage.options_json = config.take();
  // The sample depends on the document id and the seed only: the same documents are kept
  // whatever the shard layout or the thread count.
  const auto threshold = static_cast<std::uint64_t>(options.sample * 18446744073709551615.0);
  const bool sampling = options.sample < 1.0;
  const StageReport report = run_document_stage(files, stage, [&](Document& doc, ShardOutput& out) {
    if (!filter.matches(doc)) return out.reject(doc, "select:where");
    if (sampling && xxh3_64(doc.id, options.seed) > threshold) return out.reject(doc, "select:sample");
    out.keep(doc);
  });
  print_stage_report("select", report, options.json);
  return 0;
}

const bool registered = register_command({
    "select", "Keep documents matching KEY=VALUE terms, optionally a seeded sample", 103,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<SelectOptions>();
      app.footer(
          "Keep the documents that match every --where KEY=VALUE term (KEY is id, source or a\n"
          "metadata key such as lang or license), and of those a --sample fraction chosen by a\n"
          "hash of the id and --seed. The others go to OUT/rejected/ with metadata.rejected_by\n"
          "select:where or select:sample.");
      app.add_option("--in", options->inputs, "Document files or directories (repeatable)")->required();
      app.add_option("--out", options->out, "Output shard set directory")->required();
      app.add_option("--where", options->where, "KEY=VALUE a document must match (repeatable)");
      app.add_option("--sample", options->sample, "Fraction of the matching documents to keep")
          ->default_val(1.0)
          ->check(CLI::Range(0.0, 1.0));
      app.add_option("--seed", options->seed, "Seed of the sample")->default_val(0);
      add_threads_option(app, options->threads);
      add_json_flag(app, options->json);
      return [options] { return run_select(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
