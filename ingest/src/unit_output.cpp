#include "unit_output.h"

#include <zstd.h>

#include <algorithm>

#include "sluice/core/error.h"
#include "sluice/core/zstd_store.h"

namespace sluice::ingest {
namespace {

// One compression context per thread, reused for every frame: creating one costs more than
// compressing a small frame at level 1.
struct CompressContext {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  CompressContext() = default;
  ~CompressContext() { ZSTD_freeCCtx(cctx); }
  CompressContext(const CompressContext&) = delete;
  CompressContext& operator=(const CompressContext&) = delete;
};

ZSTD_CCtx* thread_context() {
  thread_local CompressContext context;
  return context.cctx;
}

// The JSON buffer of the thread's last chunk, handed to its next one: a fresh buffer grew by
// doubling (copies) into fresh pages (page faults) for every chunk, a few percent of a run.
std::string& spare_json() {
  thread_local std::string spare;
  return spare;
}

}  // namespace

ChunkOutput::ChunkOutput(FrameFormat format) : format_(format) {
  json_.swap(spare_json());
  json_.clear();
}

ChunkOutput::~ChunkOutput() {
  json_.clear();
  if (json_.capacity() > spare_json().capacity()) json_.swap(spare_json());
}

FrameFormat frame_format(int zstd_level, std::uint64_t shard_bytes) {
  FrameFormat format;
  format.zstd_level = zstd_level;
  format.frame_bytes = static_cast<std::size_t>(std::clamp<std::uint64_t>(shard_bytes / 8, 64 << 10, 2 << 20));
  return format;
}

void ChunkOutput::write(const Document& doc) {
  doc.append_json(json_);
  json_.push_back('\n');
  ++documents_;
  text_bytes_ += doc.text.size();
  if (json_.size() >= format_.frame_bytes) seal();
}

void ChunkOutput::seal() {
  if (documents_ == 0) return;
  Frame frame;
  if (format_.zstd_level == 0) {
    append_stored_zstd_frame(json_, frame.bytes);
  } else {
    ZSTD_CCtx* cctx = thread_context();
    ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, format_.zstd_level);
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
    // The worst-case buffer is reused (resizing a fresh one would clear megabytes per frame); the
    // frame keeps a copy of what was written.
    thread_local std::string scratch;
    if (scratch.size() < ZSTD_compressBound(json_.size())) scratch.resize(ZSTD_compressBound(json_.size()));
    const std::size_t size = ZSTD_compress2(cctx, scratch.data(), scratch.size(), json_.data(), json_.size());
    if (ZSTD_isError(size)) throw Error(std::string("cannot compress documents: ") + ZSTD_getErrorName(size));
    frame.bytes.assign(scratch.data(), size);
  }
  frame.documents = documents_;
  frame.text_bytes = text_bytes_;
  frames_.push_back(std::move(frame));
  json_.clear();
  documents_ = 0;
  text_bytes_ = 0;
}

std::vector<Frame> ChunkOutput::take() {
  seal();
  return std::move(frames_);
}

UnitWriter::UnitWriter(std::filesystem::path dir, std::uint64_t shard_bytes, std::size_t window)
    : dir_(std::move(dir)), shard_bytes_(std::max<std::uint64_t>(shard_bytes, 1)), window_(std::max<std::size_t>(window, 1)) {}

UnitWriter::~UnitWriter() = default;

bool UnitWriter::wait_turn(std::size_t index) {
  std::unique_lock lock(mutex_);
  turn_.wait(lock, [&] { return failed_ || index < next_ + window_; });
  return !failed_;
}

void UnitWriter::fail() {
  std::lock_guard lock(mutex_);
  failed_ = true;
  turn_.notify_all();
}

void UnitWriter::commit(std::size_t index, std::vector<Frame> frames) {
  std::unique_lock lock(mutex_);
  if (failed_) return;
  ready_.emplace(index, std::move(frames));
  if (index != next_) return;  // the thread that commits `next_` appends this one too
  try {
    for (auto it = ready_.find(next_); it != ready_.end(); it = ready_.find(next_)) {
      std::vector<Frame> batch = std::move(it->second);
      ready_.erase(it);
      lock.unlock();
      for (auto& frame : batch) append(frame);
      lock.lock();
      ++next_;
      turn_.notify_all();
    }
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    failed_ = true;
    turn_.notify_all();
    throw;
  }
}

void UnitWriter::append(Frame& frame) {
  if (!piece_) {
    current_ = ShardRecord{};
    current_.name = shard_name(pieces_.size());
    piece_ = std::make_unique<AtomicFile>(dir_ / current_.name);
  }
  piece_->write(frame.bytes.data(), frame.bytes.size());
  current_.documents += frame.documents;
  current_.text_bytes += frame.text_bytes;
  frame.bytes = std::string();  // give the memory back now
  if (current_.text_bytes >= shard_bytes_) close_piece();
}

void UnitWriter::close_piece() {
  if (!piece_) return;
  piece_->commit();
  current_.file_bytes = piece_->bytes_written();
  current_.xxh3 = piece_->digest().hex();
  current_.complete = true;
  pieces_.push_back(std::move(current_));
  piece_.reset();
}

std::vector<ShardRecord> UnitWriter::finish() {
  std::lock_guard lock(mutex_);
  if (failed_) throw Error(dir_.string() + ": the unit failed");
  if (!ready_.empty()) throw Error(dir_.string() + ": chunk " + std::to_string(next_) + " was never written");
  close_piece();
  return pieces_;
}

}  // namespace sluice::ingest
