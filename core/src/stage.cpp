#include "sluice/core/stage.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"
#include "sluice/core/shard_set.h"

namespace sluice {
namespace {

// What identifies an input file's contents cheaply: the hash its own manifest recorded, if it
// lives in a shard set, else its size and modification time.
std::string input_fingerprint(const std::filesystem::path& input, const Manifest& input_manifest) {
  if (const auto* record = input_manifest.find(input.filename().string()); record && record->complete) {
    return record->xxh3;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(input, ec);
  const auto mtime = std::filesystem::last_write_time(input, ec).time_since_epoch().count();
  return std::to_string(size) + ":" + std::to_string(mtime);
}

class ShardWriter final : public ShardOutput {
 public:
  ShardWriter(const std::filesystem::path& out, const std::string& name, const WriterOptions& options)
      : out_(out), name_(name), options_(options), kept_(out / name, options) {}

  void keep(const Document& doc) override { kept_.write(doc); }

  void reject(Document& doc, std::string_view reason) override {
    if (!rejected_) {
      std::filesystem::create_directories(out_ / kRejectedDir);
      rejected_.emplace(out_ / kRejectedDir / name_, options_);
    }
    doc.metadata.set_string("rejected_by", reason);
    rejected_->write(doc);
    ++counters_["rejected:" + std::string(reason)];
  }

  void count(const std::string& counter, std::uint64_t amount) override { counters_[counter] += amount; }

  // Rejected first: a shard counts as done only once its main file is in place.
  ShardRecord finish(const std::string& input, const std::string& hash, std::uint64_t documents_in,
                     std::uint64_t bytes_in) {
    if (rejected_) rejected_->finish();
    kept_.finish();
    ShardRecord record;
    record.name = name_;
    record.input = input;
    record.documents = kept_.documents();
    record.text_bytes = kept_.text_bytes();
    record.file_bytes = kept_.file_bytes();
    record.xxh3 = kept_.file_digest().hex();
    record.config_hash = hash;
    record.complete = true;
    record.counters = counters_;
    record.counters["documents_in"] = documents_in;
    record.counters["text_bytes_in"] = bytes_in;
    record.counters["rejected"] = rejected_ ? rejected_->documents() : 0;
    return record;
  }

 private:
  std::filesystem::path out_;
  std::string name_;
  WriterOptions options_;
  DocumentWriter kept_;
  std::optional<DocumentWriter> rejected_;
  std::map<std::string, std::uint64_t> counters_;
};

void add_record(StageReport& report, const ShardRecord& record) {
  report.documents_out += record.documents;
  report.text_bytes_out += record.text_bytes;
  for (const auto& [name, count] : record.counters) {
    if (name == "documents_in") report.documents_in += count;
    else if (name == "text_bytes_in") report.text_bytes_in += count;
    else if (name == "rejected") report.documents_rejected += count;
    else report.counters[name] += count;
  }
}

}  // namespace

std::string StageReport::to_json() const {
  JsonWriter json;
  json.begin_object();
  json.field("shards", static_cast<std::uint64_t>(shards)).field("shards_skipped", static_cast<std::uint64_t>(shards_skipped));
  json.field("documents_in", documents_in).field("documents_out", documents_out);
  json.field("documents_rejected", documents_rejected);
  json.field("text_bytes_in", text_bytes_in).field("text_bytes_out", text_bytes_out);
  json.key("counters").begin_object();
  for (const auto& [name, count] : counters) json.field(name, count);
  json.end_object();
  json.field("seconds", seconds);
  json.end_object();
  return json.take();
}

StageReport run_document_stage(const std::vector<std::filesystem::path>& inputs, const StageOptions& options,
                               const DocumentFunction& fn) {
  const auto started = std::chrono::steady_clock::now();
  std::filesystem::create_directories(options.out);
  remove_stale_temporaries(options.out);
  remove_stale_temporaries(options.out / kRejectedDir);

  const std::string stage_hash = config_hash(options.stage, options.options_json);
  Manifest manifest = Manifest::load(options.out);
  manifest.stage = options.stage;
  manifest.config_hash = stage_hash;
  manifest.config_json = options.options_json;

  // Input manifests, one per input directory, for fingerprints.
  std::map<std::filesystem::path, Manifest> input_manifests;
  std::vector<std::string> shard_hashes(inputs.size());
  std::uint64_t total_bytes = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto dir = inputs[i].parent_path();
    if (!input_manifests.count(dir)) input_manifests.emplace(dir, Manifest::load(dir.empty() ? "." : dir));
    shard_hashes[i] = config_hash(stage_hash, input_fingerprint(inputs[i], input_manifests.at(dir)));
    std::error_code ec;
    total_bytes += std::filesystem::file_size(inputs[i], ec);
  }

  StageReport report;
  report.shards = inputs.size();
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ShardRecord* record = manifest.find(shard_name(i));
    if (shard_is_reusable(options.out, record, shard_hashes[i])) {
      add_record(report, *record);
      ++report.shards_skipped;
    } else {
      todo.push_back(i);
    }
  }

  std::optional<Progress> progress;
  if (options.show_progress) progress.emplace(options.stage, total_bytes);
  std::mutex manifest_mutex;
  auto run_shard = [&](std::size_t k) {
    const std::size_t i = todo[k];
    DocumentReader reader(inputs[i]);
    ShardWriter writer(options.out, shard_name(i), options.writer);
    Document doc;
    std::uint64_t documents_in = 0;
    std::uint64_t bytes_in = 0;
    while (reader.next(doc)) {
      ++documents_in;
      bytes_in += doc.text.size();
      fn(doc, writer);
    }
    ShardRecord record = writer.finish(inputs[i].string(), shard_hashes[i], documents_in, bytes_in);
    std::error_code ec;
    if (progress) {
      progress->add(std::filesystem::file_size(inputs[i], ec));
      progress->add_items(documents_in);
    }
    std::lock_guard lock(manifest_mutex);
    add_record(report, record);
    manifest.put(std::move(record));
    manifest.save(options.out);
  };
  try {
    parallel_for(todo.size(), options.threads, run_shard);
  } catch (...) {
    if (progress) progress->finish();
    manifest.save(options.out);
    throw;
  }
  if (progress) progress->finish();
  manifest.save(options.out);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace sluice
