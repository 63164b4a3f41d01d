// sluice ingest: git repositories and documentation into a document shard set.
#include <iostream>

#include "../command.h"
#include "sluice/core/progress.h"
#include "sluice/ingest/ingest.h"

namespace sluice::cli {
namespace {

struct IngestArgs {
  std::vector<std::string> sources;
  std::string repos_file;
  std::vector<std::string> docs;
  std::string out;
  std::string cache;
  std::uint64_t max_bytes = 1 << 20;
  std::uint64_t shard_mb = 256;
  int level = 1;
  unsigned threads = 0;
  bool json = false;
};

int run_ingest_command(const IngestArgs& args) {
  ingest::IngestOptions options;
  if (!args.repos_file.empty()) options.repos = ingest::read_repo_list(args.repos_file);
  for (const auto& source : args.sources) options.repos.push_back({source, ""});
  for (const auto& docs : args.docs) options.docs.emplace_back(docs);
  if (options.repos.empty() && options.docs.empty()) {
    std::cerr << "sluice ingest: nothing to read: name repositories (URL or PATH), --repos FILE or --docs PATH\n";
    return 1;
  }
  options.out = args.out;
  options.cache = args.cache.empty() ? ingest::default_clone_cache() : std::filesystem::path(args.cache);
  options.max_bytes = args.max_bytes;
  options.shard_bytes = args.shard_mb << 20;
  options.zstd_level = args.level;
  options.threads = args.threads;
  options.show_progress = Progress::enabled();
  const ingest::IngestReport report = ingest::run_ingest(options);
  if (args.json) {
    std::cout << report.to_json() << "\n";
  } else {
    std::fprintf(stderr, "ingest: %llu repositories (%llu failed), %llu docs inputs: %llu files, %llu documents, %s in %llu shards, %.1f s\n",
                 static_cast<unsigned long long>(report.repos), static_cast<unsigned long long>(report.repos_failed),
                 static_cast<unsigned long long>(report.docs_inputs), static_cast<unsigned long long>(report.files),
                 static_cast<unsigned long long>(report.documents), human_bytes(static_cast<double>(report.text_bytes)).c_str(),
                 static_cast<unsigned long long>(report.shards), report.seconds);
    for (const auto& [reason, count] : report.skipped) {
      if (count > 0) std::fprintf(stderr, "  skipped %-12s %llu\n", reason.c_str(), static_cast<unsigned long long>(count));
    }
    for (const auto& failure : report.failures) std::fprintf(stderr, "  FAILED %s: %s\n", failure.source.c_str(), failure.error.c_str());
  }
  return report.failures.empty() ? 0 : 2;
}

const bool registered = register_command({
    "ingest", "Read git repositories and documentation into document shards", 10,
    [](CLI::App& app) -> RunFunction {
      auto args = std::make_shared<IngestArgs>();
      app.footer(
          "Repositories are cloned bare into --cache once; later runs fetch only what changed. The tree of HEAD\n"
          "(or REF) is read from the object database, never checked out. Local paths (work tree or bare) are read\n"
          "in place. Files are skipped and counted as binary, too_large, vendored, generated (linguist's rules and\n"
          "'generated' / 'do not edit' headers), symlink, submodule or not_utf8. A repository that fails is listed\n"
          "in the summary, repos.jsonl.zst and manifest.json; the others go on and the exit status is 2.\n"
          "Output: OUT/part-NNNNN.jsonl.zst, OUT/repos.jsonl.zst (commit, counts, license texts), OUT/manifest.json.\n"
          "Documents come in input order, then path order, at any -j. An interrupted run (crash, kill) run again\n"
          "with the same options reuses every repository it had finished at the same commit (OUT/.ingest-units).");
      app.add_option("sources", args->sources, "Repositories: URL (https, ssh, git, file) or local PATH");
      app.add_option("--repos", args->repos_file, "File with one repository per line: URL [REF]")->check(CLI::ExistingFile);
      app.add_option("--docs", args->docs, "Documentation directory, tarball or zip (repeatable)");
      app.add_option("--out", args->out, "Output shard set directory")->required();
      app.add_option("--cache", args->cache, "Bare clone cache (default ~/.cache/sluice/repos)");
      app.add_option("--max-bytes", args->max_bytes, "Skip files larger than this (bytes)")->default_val(1 << 20);
      app.add_option("--shard-mb", args->shard_mb, "Text megabytes per output shard")->default_val(256)->check(CLI::PositiveNumber);
      add_level_option(app, args->level, 1);  // ingest output is read once, by the next stage
      add_threads_option(app, args->threads);
      add_json_flag(app, args->json);
      return [args] { return run_ingest_command(*args); };
    }});

}  // namespace
}  // namespace sluice::cli
