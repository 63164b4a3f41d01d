#pragma once
// The documents of one source (a repository or a --docs input) in a fixed order, whatever the
// number of threads and however they are scheduled.
//
// The source's files are cut into numbered chunks (a plan that depends on the data only). Each
// worker turns one chunk into zstd frames on its own thread (ChunkOutput: JSON lines, compressed
// with a context the thread reuses), and hands them to the UnitWriter under the chunk's number;
// the writer appends the frames of chunk 0, 1, 2... in that order to the unit's piece files
// (part-NNNNN.jsonl.zst in the unit's directory; a concatenation of zstd frames is one valid zstd
// stream). A piece is closed once it holds the shard bound of text, so no piece is much larger
// than a shard.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sluice/core/document.h"
#include "sluice/core/io.h"
#include "sluice/core/shard_set.h"

namespace sluice::ingest {

struct Frame {
  std::string bytes;  // one complete zstd frame of JSON lines
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
};

// How the frames are made: the same for every chunk of a run, so frames are reproducible.
struct FrameFormat {
  int zstd_level = 1;
  std::size_t frame_bytes = 1 << 20;  // JSON bytes per frame: large enough for a good ratio
};

// The frame size for a given shard bound: a piece (and so a shard) ends at a frame boundary, so
// frames stay well below the shard bound.
FrameFormat frame_format(int zstd_level, std::uint64_t shard_bytes);

// One chunk's documents, compressed on the calling thread.
class ChunkOutput {
 public:
  explicit ChunkOutput(FrameFormat format);
  ~ChunkOutput();
  ChunkOutput(const ChunkOutput&) = delete;
  ChunkOutput& operator=(const ChunkOutput&) = delete;
  void write(const Document& doc);
  std::vector<Frame> take();  // seals the last frame

 private:
  void seal();
  FrameFormat format_;
  std::string json_;
  std::uint64_t documents_ = 0;
  std::uint64_t text_bytes_ = 0;
  std::vector<Frame> frames_;
};

class UnitWriter {
 public:
  // Pieces go to `dir`; `window` bounds how far ahead of the oldest unfinished chunk a worker may
  // start, which bounds the frames held in memory.
  UnitWriter(std::filesystem::path dir, std::uint64_t shard_bytes, std::size_t window);
  ~UnitWriter();  // an unfinished piece leaves nothing behind
  UnitWriter(const UnitWriter&) = delete;
  UnitWriter& operator=(const UnitWriter&) = delete;

  // Blocks until chunk `index` may start; false when the unit has failed (give up the chunk).
  bool wait_turn(std::size_t index);
  // The frames of chunk `index` (every index from 0 up must be committed once, or fail() called).
  void commit(std::size_t index, std::vector<Frame> frames);
  // A chunk failed: wakes every waiting worker, nothing more is written.
  void fail();
  // Closes the last piece; returns the pieces in order (records relative to `dir`).
  std::vector<ShardRecord> finish();

 private:
  void append(Frame& frame);  // writer lock held
  void close_piece();
  std::filesystem::path dir_;
  std::uint64_t shard_bytes_;
  std::size_t window_;
  std::mutex mutex_;
  std::condition_variable turn_;
  std::size_t next_ = 0;  // the next chunk to append
  bool failed_ = false;
  // Committed ahead of `next_`. The thread that commits chunk `next_` appends it and every ready
  // chunk after it, outside the lock: only one thread at a time can hold that role.
  std::map<std::size_t, std::vector<Frame>> ready_;
  std::unique_ptr<AtomicFile> piece_;
  ShardRecord current_;
  std::vector<ShardRecord> pieces_;
};

}  // namespace sluice::ingest
