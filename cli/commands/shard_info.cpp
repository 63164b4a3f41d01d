// sluice shard-info FILE: what a token shard holds; reads every frame, so checks every checksum.
#include <time.h>

#include <chrono>
#include <iostream>

#include "../command.h"
#include "sluice/core/error.h"
#include "sluice/core/json.h"
#include "sluice/tokenize/token_shard.h"

namespace sluice::cli {
namespace {

// CPU time of the calling thread: on a busy machine, wall time mostly measures waiting for a CPU.
double thread_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

struct ShardInfoOptions {
  std::vector<std::string> files;
  bool json = false;
};

int run_shard_info(const ShardInfoOptions& options) {
  JsonWriter json(true);
  json.begin_array();
  int status = 0;
  for (const auto& path : options.files) {
    const tokenize::TokenShardReader shard(path);
    std::string problem;
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = thread_cpu_seconds();
    try {
      shard.verify();
    } catch (const Error& e) {
      problem = e.what();
      status = 1;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu_seconds = thread_cpu_seconds() - cpu_start;
    const double raw = static_cast<double>(shard.num_tokens()) * shard.token_bytes();
    const double ratio = shard.file_bytes() > 0 ? raw / static_cast<double>(shard.file_bytes()) : 0;
    if (options.json) {
      json.begin_object().field("file", path).field("version", 1).field("dtype", shard.token_bytes() == 2 ? "uint16" : "uint32");
      json.field("vocab_size", shard.vocab_size()).field("tokenizer_hash", shard.tokenizer_hash());
      json.field("documents", shard.num_documents()).field("tokens", shard.num_tokens());
      json.field("frames", static_cast<std::uint64_t>(shard.frames().size())).field("frame_tokens", shard.frame_tokens());
      json.field("file_bytes", shard.file_bytes()).field("compression_ratio", ratio);
      json.field("checksums_ok", problem.empty()).field("read_seconds", seconds);
      json.field("read_cpu_seconds", cpu_seconds);
      if (!problem.empty()) json.field("error", problem);
      json.end_object();
    } else {
      std::cout << path << "\n"
                << "  format      .tok version 1, " << (shard.token_bytes() == 2 ? "uint16" : "uint32") << " ids\n"
                << "  vocab size  " << shard.vocab_size() << "\n"
                << "  tokenizer   " << shard.tokenizer_hash() << "\n"
                << "  documents   " << shard.num_documents() << "\n"
                << "  tokens      " << shard.num_tokens() << "\n"
                << "  frames      " << shard.frames().size() << " of " << shard.frame_tokens() << " tokens\n"
                << "  file        " << shard.file_bytes() << " bytes (" << ratio << "x smaller than raw ids)\n"
                << "  checksums   " << (problem.empty() ? "all " + std::to_string(shard.frames().size()) + " frames OK" : "FAILED")
                << "\n";
      if (!problem.empty()) std::cerr << "sluice: error: " << problem << "\n";
    }
  }
  json.end_array();
  if (options.json) std::cout << json.str() << "\n";
  return status;
}

const bool registered = register_command({
    "shard-info", "Print a token shard's header and counts, and check every frame's checksum", 420,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<ShardInfoOptions>();
      app.add_option("FILE", options->files, "Token shards (.tok)")->required();
      add_json_flag(app, options->json);
      return [options] { return run_shard_info(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
