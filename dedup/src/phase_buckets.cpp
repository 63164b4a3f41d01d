// Phase 2: one task per key kind (the exact keys, and each LSH band). A k-way merge of the
// shards' sorted key files finds the runs of equal keys - the buckets - and writes one edge from
// the bucket's first document to each other one. Memory: one read buffer per shard.
#include <queue>

#include "context.h"
#include "sluice/core/parallel.h"
#include "work_files.h"

namespace sluice::dedup {
namespace {

template <typename Record>
struct Cursor {
  Cursor(const std::filesystem::path& path, const char (&magic)[9]) : reader(path, magic, sizeof(Record)) {}
  bool advance() {
    if (++position < filled) return true;
    filled = reader.read_records(buffer.data(), buffer.size());
    position = 0;
    return filled > 0;
  }
  const Record& current() const { return buffer[position]; }
  RecordReader reader;
  std::vector<Record> buffer = std::vector<Record>(4096);
  std::size_t position = 0, filled = 0;
};

bool same_key(const BandRecord& a, const BandRecord& b) { return a.key == b.key; }
bool same_key(const ExactRecord& a, const ExactRecord& b) { return a.high == b.high && a.low == b.low; }

template <typename Record>
void merge_kind(const Context& context, std::size_t kind, const char (&magic)[9]) {
  std::vector<std::unique_ptr<Cursor<Record>>> cursors;
  for (std::size_t shard = 0; shard < context.shards.size(); ++shard) {
    const auto path = context.kind_is_exact(kind) ? context.exact_file(shard) : context.band_file(context.kind_band(kind), shard);
    auto cursor = std::make_unique<Cursor<Record>>(path, magic);
    cursor->filled = cursor->reader.read_records(cursor->buffer.data(), cursor->buffer.size());
    if (cursor->filled > 0) cursors.push_back(std::move(cursor));
  }
  auto later = [&](std::size_t x, std::size_t y) { return cursors[y]->current() < cursors[x]->current(); };
  std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(later)> heap(later);
  for (std::size_t i = 0; i < cursors.size(); ++i) heap.push(i);

  RecordWriter edges(context.edges_file(kind), kEdgeMagic, sizeof(EdgeRecord));
  bool have_first = false;
  Record first{};
  while (!heap.empty()) {
    const std::size_t i = heap.top();
    heap.pop();
    const Record record = cursors[i]->current();
    if (cursors[i]->advance()) heap.push(i);
    if (have_first && same_key(first, record)) {
      const EdgeRecord edge{first.ref, record.ref};
      edges.write(&edge, sizeof edge);
      edges.end_record();
    } else {
      first = record;
      have_first = true;
    }
  }
  edges.finish();
}

}  // namespace

PhaseStats run_buckets(const Context& context) {
  PhaseStats stats;
  const auto todo = tasks_to_run(context, 2, context.kinds(), stats);
  parallel_for(todo.size(), context.options.threads, [&](std::size_t k) {
    const std::size_t kind = todo[k];
    if (context.kind_is_exact(kind)) merge_kind<ExactRecord>(context, kind, kExactMagic);
    else merge_kind<BandRecord>(context, kind, kBandMagic);
    context.mark_done(2, kind);
  });
  return stats;
}

}  // namespace sluice::dedup
