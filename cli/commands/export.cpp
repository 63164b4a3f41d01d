// sluice export: token shards -> llm.c .bin or Megatron-LM .bin/.idx.
#include <iostream>

#include "../command.h"
#include "sluice/core/error.h"
#include "sluice/core/json.h"
#include "sluice/tokenize/export.h"

namespace sluice::cli {
namespace {

struct ExportOptions {
  std::string format;
  std::string in;
  std::string out;
  bool json = false;
};

int run_export(const ExportOptions& options) {
  namespace fs = std::filesystem;
  std::vector<std::pair<fs::path, fs::path>> jobs;  // shard -> output (file, or prefix for megatron)
  const std::string ext = options.format == "llmc" ? ".bin" : "";
  if (fs::is_directory(options.in)) {
    for (const auto& entry : fs::directory_iterator(options.in)) {
      if (entry.path().extension() == ".tok") {
        jobs.emplace_back(entry.path(), fs::path(options.out) / (entry.path().stem().string() + ext));
      }
    }
    if (jobs.empty()) throw Error(options.in + ": no .tok files in this directory");
    std::sort(jobs.begin(), jobs.end());
    fs::create_directories(options.out);
  } else {
    jobs.emplace_back(options.in, options.out);
  }
  std::uint64_t tokens = 0;
  JsonWriter json(true);
  json.begin_object().field("format", options.format).key("files").begin_array();
  for (const auto& [shard_path, out] : jobs) {
    const tokenize::TokenShardReader shard(shard_path);
    const std::uint64_t n = options.format == "llmc" ? tokenize::export_llmc(shard, out) : tokenize::export_megatron(shard, out);
    tokens += n;
    json.begin_object().field("in", shard_path.string()).field("out", out.string()).field("tokens", n).end_object();
  }
  json.end_array().field("tokens", tokens).end_object();
  if (options.json) {
    std::cout << json.str() << "\n";
  } else {
    std::cerr << "export: " << jobs.size() << " shard(s), " << tokens << " tokens -> " << options.out << "\n";
  }
  return 0;
}

const bool registered = register_command({
    "export", "Write token shards as llm.c .bin (uint16, magic 20240520) or Megatron-LM .bin/.idx", 430,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<ExportOptions>();
      app.add_option("--format", options->format, "llmc or megatron")->required()->check(CLI::IsMember({"llmc", "megatron"}));
      app.add_option("--in", options->in, "A .tok file, or a directory of them")->required();
      app.add_option("--out", options->out,
                     "Output file (llmc) or path prefix (megatron: PREFIX.bin + PREFIX.idx); a directory when --in is one")
          ->required();
      add_json_flag(app, options->json);
      return [options] { return run_export(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
