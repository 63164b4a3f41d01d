// Phase 4: one task per input shard. Streams the shard again and writes the kept documents to
// OUT/part-NNNNN.jsonl.zst and the removed ones to OUT/rejected/ with rejected_by, the kept
// twin's id and the cluster; the manifest records each finished shard.
#include <mutex>
#include <optional>

#include "context.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"
#include "sluice/core/shard_set.h"
#include "work_files.h"

namespace sluice::dedup {
namespace {

struct Twin {
  Removal record;
  std::string id;
};

std::vector<Twin> load_removals(const Context& context, std::size_t shard) {
  RecordReader reader(context.removed_file(shard), kRemovedMagic, 0);
  std::vector<Twin> twins(reader.count());
  for (auto& twin : twins) {
    reader.read(&twin.record, sizeof twin.record);
    std::uint32_t length = 0;
    reader.read(&length, sizeof length);
    twin.id.resize(length);
    reader.read(twin.id.data(), length);
  }
  return twins;
}

ShardRecord filter_task(const Context& context, std::size_t shard, Progress* progress) {
  const auto& options = context.options;
  const auto twins = load_removals(context, shard);
  const std::string name = shard_name(shard);
  WriterOptions writer_options;
  writer_options.zstd_level = options.zstd_level;
  DocumentWriter kept(options.out / name, writer_options);
  std::optional<DocumentWriter> rejected;
  DocumentReader reader(context.shards[shard]);
  ShardRecord record;
  Document doc;
  std::uint32_t index = 0;
  std::size_t next = 0;
  std::uint64_t bytes_in = 0, documents_in = 0;
  while (reader.next(doc)) {
    ++documents_in;
    bytes_in += doc.text.size();
    if (progress) progress->add(doc.text.size());
    if (next < twins.size() && twins[next].record.index == index) {
      const auto& twin = twins[next++];
      const char* reason = twin.record.reason == 1 ? "dedup:exact" : "dedup:near";
      doc.metadata.set_string("rejected_by", reason);
      doc.metadata.set_string("duplicate_of", twin.id);
      doc.metadata.set_int("dedup_cluster", static_cast<std::int64_t>(twin.record.cluster));
      if (twin.record.similarity >= 0) doc.metadata.set_number("dedup_similarity", twin.record.similarity);
      if (twin.record.against) doc.metadata.set_string("duplicate_in", "against");
      if (!rejected) {
        std::filesystem::create_directories(options.out / kRejectedDir);
        rejected.emplace(options.out / kRejectedDir / name, writer_options);
      }
      rejected->write(doc);
      ++record.counters[std::string("rejected:") + reason];
      if (twin.record.against) ++record.counters["rejected:against"];
    } else {
      kept.write(doc);
    }
    ++index;
  }
  if (next != twins.size()) {
    throw Error(context.shards[shard].string() + ": has fewer documents than when its signatures were made; "
                "the input changed during the run - run dedup again");
  }
  if (progress) progress->add_items(documents_in);
  if (rejected) rejected->finish();
  kept.finish();
  record.name = name;
  record.input = context.shards[shard].string();
  record.documents = kept.documents();
  record.text_bytes = kept.text_bytes();
  record.file_bytes = kept.file_bytes();
  record.xxh3 = kept.file_digest().hex();
  record.config_hash = context.config_hash;
  record.complete = true;
  record.counters["documents_in"] = documents_in;
  record.counters["text_bytes_in"] = bytes_in;
  record.counters["rejected"] = rejected ? rejected->documents() : 0;
  return record;
}

}  // namespace

PhaseStats run_filter(const Context& context) {
  PhaseStats stats;
  const auto& options = context.options;
  remove_stale_temporaries(options.out);
  remove_stale_temporaries(options.out / kRejectedDir);
  const auto todo = tasks_to_run(context, 4, context.input_shards, stats);
  std::optional<Progress> progress;
  if (options.show_progress && !todo.empty()) progress.emplace("dedup filter", 0);
  std::mutex mutex;
  Manifest manifest = Manifest::load(options.out);
  manifest.stage = "dedup";
  manifest.config_hash = context.config_hash;
  manifest.config_json = options_json(options);
  try {
    parallel_for(todo.size(), options.threads, [&](std::size_t k) {
      ShardRecord record = filter_task(context, todo[k], progress ? &*progress : nullptr);
      std::lock_guard lock(mutex);
      // Array tasks share the manifest: merge with what other tasks saved meanwhile.
      Manifest current = options.phase != 0 ? Manifest::load(options.out) : manifest;
      current.stage = manifest.stage;
      current.config_hash = manifest.config_hash;
      current.config_json = manifest.config_json;
      current.put(std::move(record));
      current.save(options.out);
      manifest = std::move(current);
      context.mark_done(4, todo[k]);
    });
  } catch (...) {
    if (progress) progress->finish();
    throw;
  }
  if (progress) progress->finish();
  return stats;
}

}  // namespace sluice::dedup
