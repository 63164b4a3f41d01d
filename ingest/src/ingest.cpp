// run_ingest: repositories first (fetched in parallel, then each read with every thread), then
// documentation inputs; shards, repos.jsonl.zst and the manifest at the end.
#include "sluice/ingest/ingest.h"

#include <cstdio>
#include <chrono>
#include <fstream>
#include <memory>
#include <optional>

#include "docs_source.h"
#include "repo_source.h"
#include "shard_pool.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/shard_set.h"

namespace sluice::ingest {
namespace {

constexpr const char* kReposName = "repos.jsonl.zst";

// repos.jsonl.zst, one line per repository as each finishes.
class RepoLog {
 public:
  RepoLog(const std::filesystem::path& out, int level) : file_(out / kReposName), zstd_(file_, level, (out / kReposName).string()) {}
  void write(const RepoFacts& facts) {
    const std::string line = facts.to_json() + "\n";
    zstd_.write(line.data(), line.size());
  }
  void commit() {
    zstd_.finish();
    file_.commit();
  }

 private:
  AtomicFile file_;
  ZstdSink zstd_;
};

void add_skips(IngestReport& report, const SkipCounts& counts) {
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) report.skipped[std::string(skip_reason_name(static_cast<SkipReason>(r)))] += counts[r];
}

// Shards of an earlier run in the same directory would otherwise mix with this run's.
void remove_old_outputs(const std::filesystem::path& out) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(out, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("part-") && name.ends_with(".jsonl.zst")) std::filesystem::remove(entry.path(), ec);
  }
}

std::string options_json(const IngestOptions& options) {
  JsonWriter json;
  json.begin_object();
  json.field("max_bytes", options.max_bytes).field("shard_bytes", options.shard_bytes).field("zstd_level", options.zstd_level);
  json.end_object();
  return json.take();
}

}  // namespace

std::vector<RepoSpec> read_repo_list(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) fail_errno("open", file.string());
  std::vector<RepoSpec> repos;
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    const auto hash = line.find('#');
    if (hash != std::string::npos && (hash == 0 || line[hash - 1] == ' ' || line[hash - 1] == '\t')) line.resize(hash);
    std::vector<std::string> words;
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) != 0) ++i;
      const std::size_t start = i;
      while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i])) == 0) ++i;
      if (i > start) words.push_back(line.substr(start, i - start));
    }
    if (words.empty()) continue;
    if (words.size() > 2) fail_at(file.string(), number, "expected 'URL [REF]', found " + std::to_string(words.size()) + " words");
    repos.push_back({words[0], words.size() == 2 ? words[1] : ""});
  }
  return repos;
}

std::string IngestReport::to_json() const {
  JsonWriter json(true);
  json.begin_object();
  json.field("stage", "ingest").field("repos", repos).field("repos_failed", repos_failed).field("docs_inputs", docs_inputs);
  json.field("files", files).field("documents", documents).field("text_bytes", text_bytes);
  json.field("objects_fetched", objects_fetched).field("bytes_fetched", bytes_fetched).field("shards", shards);
  json.key("skipped").begin_object();
  for (const auto& [reason, count] : skipped) json.field(reason, count);
  json.end_object();
  json.key("failures").begin_array();
  for (const auto& failure : failures) json.begin_object().field("source", failure.source).field("error", failure.error).end_object();
  json.end_array();
  json.field("seconds", seconds);
  json.end_object();
  return json.take();
}

IngestReport run_ingest(const IngestOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::filesystem::create_directories(options.out, ec);
  if (ec) fail_at(options.out.string(), 0, "cannot create the output directory: " + ec.message());
  remove_stale_temporaries(options.out);
  remove_old_outputs(options.out);

  const std::string config = options_json(options);
  const std::string hash = config_hash("ingest", config);
  WriterOptions writer;
  writer.zstd_level = options.zstd_level;
  ShardPool shards(options.out, options.shard_bytes, writer, hash);
  RepoLog repo_log(options.out, options.zstd_level);
  std::optional<Progress> progress;
  if (options.show_progress) progress.emplace("ingest", 0, "bytes");
  Progress* progress_ptr = progress ? &*progress : nullptr;
  const unsigned threads = options.threads == 0 ? default_threads() : options.threads;

  IngestReport report;
  // Fetching waits on the network more than on the CPU: more of them at once than threads.
  std::vector<RepoFacts> facts(options.repos.size());
  std::vector<std::optional<LocalRepository>> prepared(options.repos.size());
  parallel_for(options.repos.size(), std::max(threads, 4u), [&](std::size_t i) {
    try {
      prepared[i] = prepare_repository(options.repos[i], options.cache, facts[i]);
    } catch (const Error& error) {
      facts[i].url = options.repos[i].location;
      facts[i].ref = options.repos[i].ref;
      facts[i].error = error.what();
    }
  });
  for (std::size_t i = 0; i < options.repos.size(); ++i) {
    RepoFacts& repo = facts[i];
    if (prepared[i]) {
      try {
        read_repository(*prepared[i], {shards, threads, options.max_bytes, progress_ptr}, repo);
      } catch (const Error& error) {
        repo.error = error.what();
      }
    }
    repo_log.write(repo);
    ++report.repos;
    report.files += repo.files;
    report.documents += repo.documents;
    report.text_bytes += repo.text_bytes;
    report.objects_fetched += repo.objects_fetched;
    report.bytes_fetched += repo.bytes_fetched;
    add_skips(report, repo.skipped);
    if (!repo.error.empty()) {
      ++report.repos_failed;
      report.failures.push_back({repo.url, repo.error});
    }
    repo = RepoFacts{};  // license texts are written; do not keep them
  }

  for (const auto& input : options.docs) {
    DocsFacts docs;
    ++report.docs_inputs;
    try {
      read_docs(input, shards, threads, options.max_bytes, progress_ptr, docs);
    } catch (const Error& error) {
      report.failures.push_back({input.string(), error.what()});
    }
    for (const auto& example : docs.unreadable_examples) {
      std::fprintf(stderr, "sluice ingest: skipped an unreadable file: %s\n", example.c_str());
    }
    report.files += docs.files;
    report.documents += docs.documents;
    report.text_bytes += docs.text_bytes;
    add_skips(report, docs.skipped);
  }

  Manifest manifest;
  manifest.stage = "ingest";
  manifest.config_hash = hash;
  manifest.config_json = config;
  for (auto& record : shards.finish()) manifest.put(std::move(record));
  repo_log.commit();
  report.shards = manifest.shards().size();
  {
    JsonWriter sources;
    sources.begin_object().field("repos", report.repos).field("docs", report.docs_inputs).field("files", report.files);
    sources.field("documents", report.documents).field("text_bytes", report.text_bytes).field("repos_file", kReposName);
    sources.end_object();
    manifest.extra.emplace_back("sources", sources.take());
    JsonWriter skipped;
    skipped.begin_object();
    for (const auto& [reason, count] : report.skipped) skipped.field(reason, count);
    skipped.end_object();
    manifest.extra.emplace_back("skipped", skipped.take());
    JsonWriter failures;
    failures.begin_array();
    for (const auto& failure : report.failures) failures.begin_object().field("source", failure.source).field("error", failure.error).end_object();
    failures.end_array();
    manifest.extra.emplace_back("failures", failures.take());
  }
  manifest.save(options.out);
  if (progress) progress->finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace sluice::ingest
