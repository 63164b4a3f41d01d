#pragma once
// Output shards for many writer threads: each thread borrows a slot, writes documents to the
// slot's open shard, and gives the slot back. A shard that reaches the size bound is finished and
// recorded, and the slot's next document starts a new part-NNNNN.jsonl.zst. So shards are
// bounded in size, their number follows the data, and memory follows the number of threads.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "sluice/core/document.h"
#include "sluice/core/documents.h"
#include "sluice/core/shard_set.h"

namespace sluice::ingest {

class ShardPool {
 public:
  ShardPool(std::filesystem::path out, std::uint64_t shard_bytes, WriterOptions writer, std::string config_hash);
  ~ShardPool();
  ShardPool(const ShardPool&) = delete;
  ShardPool& operator=(const ShardPool&) = delete;

  class Slot;
  // A slot for the calling thread; return it with release().
  Slot* acquire();
  void release(Slot* slot);
  void write(Slot* slot, const Document& doc);

  // Finishes every open shard; returns their records, sorted by name.
  std::vector<ShardRecord> finish();

 private:
  void close(Slot& slot);
  std::filesystem::path out_;
  std::uint64_t shard_bytes_;
  WriterOptions writer_;
  std::string config_hash_;
  std::atomic<std::size_t> next_index_{0};
  std::mutex mutex_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> free_;
  std::vector<ShardRecord> records_;
};

// Borrows a slot for a scope.
class SlotLease {
 public:
  explicit SlotLease(ShardPool& pool) : pool_(pool), slot_(pool.acquire()) {}
  ~SlotLease() { pool_.release(slot_); }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  void write(const Document& doc) { pool_.write(slot_, doc); }

 private:
  ShardPool& pool_;
  ShardPool::Slot* slot_;
};

}  // namespace sluice::ingest
