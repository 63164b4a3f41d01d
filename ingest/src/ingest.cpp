// run_ingest: repositories first (fetched in parallel, then each read with every thread), then
// documentation inputs, each a unit of its own (units.h) that a rerun reuses when complete; the
// shards, repos.jsonl.zst and the manifest at the end.
#include "sluice/ingest/ingest.h"

#include <algorithm>
#include <cstdio>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>

#include "docs_source.h"
#include "repo_source.h"
#include "units.h"
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
  void write(std::string line) {
    line.push_back('\n');
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

void add_totals(IngestReport& report, const UnitTotals& totals) {
  report.files += totals.files;
  report.documents += totals.documents;
  report.text_bytes += totals.text_bytes;
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    report.skipped[std::string(skip_reason_name(static_cast<SkipReason>(r)))] += totals.skipped[r];
  }
}

// Shards of an earlier run in the same directory would otherwise mix with this run's (complete
// units of an interrupted run are kept apart, in OUT/.ingest-units, and reused from there).
void remove_old_outputs(const std::filesystem::path& out) {
  std::error_code ec;
  std::filesystem::remove(out / kManifestName, ec);
  for (const auto& entry : std::filesystem::directory_iterator(out, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("part-") && name.ends_with(".jsonl.zst")) std::filesystem::remove(entry.path(), ec);
  }
}

std::string unit_name(char kind, std::size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "%c%05zu", kind, index);
  return name;
}

// What a docs input holds, cheaply: every file's relative path, size and modification time.
std::string docs_signature(const std::filesystem::path& input) {
  std::error_code ec;
  std::string signature;
  const auto add = [&](const std::filesystem::path& file, const std::string& relative) {
    const auto size = std::filesystem::file_size(file, ec);
    const auto time = std::filesystem::last_write_time(file, ec).time_since_epoch().count();
    signature += relative + '\t' + std::to_string(size) + '\t' + std::to_string(time) + '\n';
  };
  if (!std::filesystem::is_directory(input, ec)) {
    add(input, input.filename().string());
    return signature;
  }
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(input, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_symlink() && it->is_regular_file()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) add(file, std::filesystem::relative(file, input).generic_string());
  return signature;
}

// A failed repository contributes no documents: its counts start again from nothing, so that its
// record says the same whichever chunks happened to finish before the failure.
void clear_counts(RepoFacts& facts) {
  facts.files = facts.documents = facts.text_bytes = 0;
  facts.skipped = {};
  facts.licenses.clear();
  facts.submodules.clear();
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

std::filesystem::path default_clone_cache() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') return std::filesystem::path(xdg) / "sluice/repos";
  if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') return std::filesystem::path(home) / ".cache/sluice/repos";
  return ".sluice-cache/repos";
}

std::string IngestReport::to_json() const {
  JsonWriter json(true);
  json.begin_object();
  json.field("stage", "ingest").field("repos", repos).field("repos_failed", repos_failed).field("docs_inputs", docs_inputs);
  json.field("files", files).field("documents", documents).field("text_bytes", text_bytes);
  json.field("objects_fetched", objects_fetched).field("bytes_fetched", bytes_fetched).field("shards", shards);
  json.field("repos_reused", repos_reused).field("docs_reused", docs_reused);
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
  const FrameFormat format = frame_format(options.zstd_level, options.shard_bytes);
  RepoLog repo_log(options.out, options.zstd_level);
  std::optional<Progress> progress;
  if (options.show_progress) progress.emplace("ingest", 0, "bytes");
  Progress* progress_ptr = progress ? &*progress : nullptr;
  const unsigned threads = options.threads == 0 ? default_threads() : options.threads;
  const std::size_t window = std::size_t{threads} * 4;

  IngestReport report;
  std::vector<UnitResult> units;
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
    ++report.repos;
    report.objects_fetched += repo.objects_fetched;
    report.bytes_fetched += repo.bytes_fetched;
    if (prepared[i]) {
      const std::string name = unit_name('r', i);
      const std::string unit_hash = config_hash("ingest", config + "\nrepo\n" + repo.url + "\n" + repo.ref + "\n" + repo.commit);
      if (auto done = load_unit(options.out, name, unit_hash)) {
        ++report.repos_reused;
        add_totals(report, done->totals);
        repo_log.write(std::move(done->repo_line));
        done->repo_line.clear();
        units.push_back(std::move(*done));
        repo = RepoFacts{};
        continue;
      }
      try {
        UnitWriter writer(fresh_unit_dir(options.out, name), options.shard_bytes, window);
        read_repository(*prepared[i], {threads, options.max_bytes, format, progress_ptr}, writer, repo);
        UnitResult unit;
        unit.name = name;
        unit.pieces = writer.finish();
        unit.totals = {repo.files, repo.documents, repo.text_bytes, repo.skipped};
        unit.repo_line = repo.to_json();
        save_unit(options.out, unit, unit_hash);
        add_totals(report, unit.totals);
        unit.repo_line.clear();
        units.push_back(std::move(unit));
      } catch (const Error& error) {
        discard_unit(options.out, name);
        clear_counts(repo);
        repo.error = error.what();
      }
    }
    if (!repo.error.empty()) {
      ++report.repos_failed;
      report.failures.push_back({repo.url, repo.error});
    }
    repo_log.write(repo.to_json());
    repo = RepoFacts{};  // license texts are written; do not keep them
  }

  for (std::size_t i = 0; i < options.docs.size(); ++i) {
    const auto& input = options.docs[i];
    ++report.docs_inputs;
    const std::string name = unit_name('d', i);
    const std::string unit_hash = config_hash("ingest", config + "\ndocs\n" + input.string() + "\n" + docs_signature(input));
    if (auto done = load_unit(options.out, name, unit_hash)) {
      ++report.docs_reused;
      add_totals(report, done->totals);
      units.push_back(std::move(*done));
      continue;
    }
    DocsFacts docs;
    try {
      UnitWriter writer(fresh_unit_dir(options.out, name), options.shard_bytes, window);
      read_docs(input, {threads, options.max_bytes, format, progress_ptr}, writer, docs);
      UnitResult unit;
      unit.name = name;
      unit.pieces = writer.finish();
      unit.totals = {docs.files, docs.documents, docs.text_bytes, docs.skipped};
      save_unit(options.out, unit, unit_hash);
      add_totals(report, unit.totals);
      units.push_back(std::move(unit));
    } catch (const Error& error) {
      discard_unit(options.out, name);
      report.failures.push_back({input.string(), error.what()});
    }
    for (const auto& example : docs.unreadable_examples) {
      std::fprintf(stderr, "sluice ingest: skipped an unreadable file: %s\n", example.c_str());
    }
  }

  Manifest manifest;
  manifest.stage = "ingest";
  manifest.config_hash = hash;
  manifest.config_json = config;
  for (auto& record : assemble_shards(options.out, units, options.shard_bytes, hash)) manifest.put(std::move(record));
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
  remove_units(options.out);
  if (progress) progress->finish();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace sluice::ingest
