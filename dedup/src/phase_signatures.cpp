// Phase 1: one task per shard (inputs and references). Reads the shard once and writes its
// document table, its exact keys and one sorted key file per LSH band. Memory: the shard's keys
// (16 bytes per band and 24 for the exact key, per document) while it is sorted.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "context.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"
#include "work_files.h"

namespace sluice::dedup {
namespace {

template <typename Record>
void write_sorted(const std::filesystem::path& path, const char (&magic)[9], std::vector<Record>& records) {
  std::sort(records.begin(), records.end());
  RecordWriter writer(path, magic, sizeof(Record));
  for (const auto& record : records) {
    writer.write(&record, sizeof record);
    writer.end_record();
  }
  writer.finish();
}

void signature_task(const Context& context, std::size_t shard, Progress* progress) {
  const auto& options = context.options;
  DocumentReader reader(context.shards[shard]);
  RecordWriter docs(context.docs_file(shard), kDocsMagic, 0);
  std::vector<ExactRecord> exact;
  std::vector<std::vector<BandRecord>> bands(context.near() ? options.lsh.bands : 0);
  std::optional<MinHasher> hasher;
  if (context.near()) hasher.emplace(options.minhash);
  std::vector<std::uint64_t> signature, keys(options.lsh.bands);
  Document doc;
  std::uint64_t index = 0;
  while (reader.next(doc)) {
    if (index >= 0xffffffffULL) {
      throw Error(context.shards[shard].string() + ": more than 4294967295 documents in one shard; split it");
    }
    const std::uint64_t ref = make_ref(shard, index);
    DocHead head;
    const Hash128 digest = options.normalize_whitespace ? xxh3_128(normalize_whitespace(doc.text)) : xxh3_128(doc.text);
    head.high = digest.high;
    head.low = digest.low;
    head.text_bytes = doc.text.size();
    head.field = -std::numeric_limits<double>::infinity();
    if (!options.rank.field.empty()) {
      if (const auto value = doc.metadata.get_number(options.rank.field); value && std::isfinite(*value)) head.field = *value;
    }
    head.license = static_cast<std::uint8_t>(options.rank.by_license ? license_class(std::string(doc.metadata.raw("license").value_or(""))) : 1);
    if (context.exact()) exact.push_back({digest.high, digest.low, ref});
    if (hasher && hasher->signature(doc.text, signature)) {
      head.flags |= kHasSignature;
      band_keys(signature, options.lsh, keys.data());
      for (unsigned b = 0; b < options.lsh.bands; ++b) bands[b].push_back({keys[b], ref});
    }
    head.id_length = static_cast<std::uint32_t>(doc.id.size());
    docs.write(&head, sizeof head);
    docs.write(doc.id.data(), doc.id.size());
    docs.end_record();
    if (progress) progress->add(doc.text.size());
    ++index;
  }
  if (progress) progress->add_items(index);
  if (context.exact()) write_sorted(context.exact_file(shard), kExactMagic, exact);
  for (std::size_t b = 0; b < bands.size(); ++b) write_sorted(context.band_file(b, shard), kBandMagic, bands[b]);
  docs.finish();  // last: the document table is what later phases count on
}

}  // namespace

PhaseStats run_signatures(const Context& context) {
  PhaseStats stats;
  const auto todo = tasks_to_run(context, 1, context.shards.size(), stats);
  std::optional<Progress> progress;
  if (context.options.show_progress && !todo.empty()) progress.emplace("dedup signatures", 0);
  parallel_for(todo.size(), context.options.threads, [&](std::size_t k) {
    signature_task(context, todo[k], progress ? &*progress : nullptr);
    context.mark_done(1, todo[k]);
  });
  if (progress) progress->finish();
  return stats;
}

}  // namespace sluice::dedup
