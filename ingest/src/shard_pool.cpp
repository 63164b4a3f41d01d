#include "shard_pool.h"

#include <algorithm>

namespace sluice::ingest {

class ShardPool::Slot {
 public:
  std::unique_ptr<DocumentWriter> writer;
  std::string name;
};

ShardPool::ShardPool(std::filesystem::path out, std::uint64_t shard_bytes, WriterOptions writer, std::string config_hash)
    : out_(std::move(out)), shard_bytes_(std::max<std::uint64_t>(shard_bytes, 1)), writer_(writer),
      config_hash_(std::move(config_hash)) {}

ShardPool::~ShardPool() = default;  // unfinished writers remove their temporary files

ShardPool::Slot* ShardPool::acquire() {
  std::lock_guard lock(mutex_);
  if (!free_.empty()) {
    Slot* slot = free_.back();
    free_.pop_back();
    return slot;
  }
  slots_.push_back(std::make_unique<Slot>());
  return slots_.back().get();
}

void ShardPool::release(Slot* slot) {
  std::lock_guard lock(mutex_);
  free_.push_back(slot);
}

void ShardPool::write(Slot* slot, const Document& doc) {
  if (!slot->writer) {
    slot->name = shard_name(next_index_.fetch_add(1));
    slot->writer = std::make_unique<DocumentWriter>(out_ / slot->name, writer_);
  }
  slot->writer->write(doc);
  if (slot->writer->text_bytes() >= shard_bytes_) close(*slot);
}

void ShardPool::close(Slot& slot) {
  if (!slot.writer) return;
  slot.writer->finish();
  ShardRecord record;
  record.name = slot.name;
  record.input = "ingest";
  record.documents = slot.writer->documents();
  record.text_bytes = slot.writer->text_bytes();
  record.file_bytes = slot.writer->file_bytes();
  record.xxh3 = slot.writer->file_digest().hex();
  record.config_hash = config_hash_;
  record.complete = true;
  slot.writer.reset();
  std::lock_guard lock(mutex_);
  records_.push_back(std::move(record));
}

std::vector<ShardRecord> ShardPool::finish() {
  for (auto& slot : slots_) close(*slot);
  std::sort(records_.begin(), records_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return records_;
}

}  // namespace sluice::ingest
