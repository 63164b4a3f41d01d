// sluice convert: any JSON Lines documents (plain, .gz as Dolma writes them, .zst) into a
// validated sluice shard set, one shard per input file.
#include "../command.h"
#include "../report.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/core/stage.h"

namespace sluice::cli {
namespace {

struct ConvertOptions {
  std::vector<std::string> inputs;
  std::string out;
  int level = 3;
  unsigned threads = 0;
  bool json = false;
};

int run_convert(const ConvertOptions& options) {
  std::vector<std::filesystem::path> files;
  for (const auto& input : options.inputs) {
    for (auto& file : list_document_files(input)) files.push_back(std::move(file));
  }
  StageOptions stage;
  stage.stage = "convert";
  stage.out = options.out;
  stage.threads = options.threads;
  stage.writer.zstd_level = options.level;
  stage.options_json = JsonWriter().begin_object().field("zstd_level", options.level).end_object().take();
  const StageReport report = run_document_stage(files, stage, [](Document& doc, ShardOutput& out) { out.keep(doc); });
  print_stage_report("convert", report, options.json);
  return 0;
}

const bool registered = register_command({
    "convert", "Validate documents from any JSONL/.gz/.zst files and write them as a shard set", 102,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<ConvertOptions>();
      app.add_option("--in", options->inputs, "Document files or directories (repeatable)")->required();
      app.add_option("--out", options->out, "Output shard set directory")->required();
      add_level_option(app, options->level, 3);
      add_threads_option(app, options->threads);
      add_json_flag(app, options->json);
      return [options] { return run_convert(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
