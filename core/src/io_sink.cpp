// Atomic output files and the zstd compressing sink.
#include <fcntl.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "sluice/core/error.h"
#include "sluice/core/zstd_store.h"
#include "sluice/core/io.h"

namespace sluice {
namespace {

std::atomic<std::uint64_t> g_temp_counter{0};

// Test hook: SLUICE_FAIL_WRITE_AFTER=N makes every atomic file fail with ENOSPC once it holds N
// bytes, so tests can check what a full disk does to a run without needing a small filesystem.
std::uint64_t injected_write_limit() {
  static const std::uint64_t limit = [] {
    const char* value = std::getenv("SLUICE_FAIL_WRITE_AFTER");
    return value ? std::strtoull(value, nullptr, 10) : UINT64_MAX;
  }();
  return limit;
}

void fsync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the rename itself is what makes the file visible
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  temp_ = target_;
  temp_ += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_temp_counter++);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail_errno("create", temp_.string());
}

AtomicFile::~AtomicFile() { abandon(); }

void AtomicFile::abandon() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
    ::unlink(temp_.c_str());
  }
}

void AtomicFile::write(const char* data, std::size_t size) {
  if (fd_ < 0) throw Error("write to a closed output file '" + target_.string() + "'");
  if (bytes_ + size > injected_write_limit()) {
    errno = ENOSPC;
    fail_errno("write", target_.string());
  }
  hash_.update(data, size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t wrote = ::write(fd_, data + done, size - done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      fail_errno("write", target_.string());
    }
    done += static_cast<std::size_t>(wrote);
  }
  bytes_ += size;
  start_writeback();
}

// Large outputs: the kernel starts writing each 8 MiB to disk as soon as it is complete, so the
// fsync in commit() waits for the last few megabytes instead of the whole file (for 95 MB of
// ingest output, 55 ms at the end of the run). Only a hint; commit() still makes it durable.
void AtomicFile::start_writeback() {
  constexpr std::uint64_t kStep = 8 << 20;
  if (bytes_ - written_back_ < kStep) return;
#if defined(__linux__)
  ::sync_file_range(fd_, static_cast<off_t>(written_back_), static_cast<off_t>(bytes_ - written_back_), SYNC_FILE_RANGE_WRITE);
#endif
  written_back_ = bytes_;
}

void AtomicFile::commit() {
  if (fd_ < 0) throw Error("commit of a closed output file '" + target_.string() + "'");
  if (::fsync(fd_) != 0) fail_errno("sync", target_.string());
  if (::close(fd_) != 0) {
    fd_ = -1;
    ::unlink(temp_.c_str());
    fail_errno("close", target_.string());
  }
  fd_ = -1;
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    ::unlink(temp_.c_str());
    fail_errno("rename into place", target_.string());
  }
  fsync_directory(target_.parent_path());
}

bool is_temporary_name(const std::string& filename) { return filename.find(".tmp-") != std::string::npos; }

void remove_stale_temporaries(const std::filesystem::path& directory) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    if (entry.is_regular_file(ec) && is_temporary_name(entry.path().filename().string())) {
      std::filesystem::remove(entry.path(), ec);
    }
  }
}

void write_file_atomically(const std::filesystem::path& path, const std::string& contents) {
  AtomicFile file(path);
  file.write(contents.data(), contents.size());
  file.commit();
}

std::string read_small_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_errno("open", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) fail_errno("read", path.string());
  return text.str();
}

ZstdSink::ZstdSink(ByteSink& out, int level, std::string name_for_errors)
    : out_(out), stream_(ZSTD_createCStream()), name_(std::move(name_for_errors)),
      buffer_size_(ZSTD_CStreamOutSize()) {
  buffer_ = std::make_unique<char[]>(buffer_size_);
  if (level == 0) stored_ = std::make_unique<StoredZstdFrame>();
  auto* cctx = static_cast<ZSTD_CCtx*>(stream_);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 1);
}

ZstdSink::~ZstdSink() { ZSTD_freeCStream(static_cast<ZSTD_CStream*>(stream_)); }

void ZstdSink::drain(int mode, const char* data, std::size_t size) {
  auto* cctx = static_cast<ZSTD_CCtx*>(stream_);
  ZSTD_inBuffer in{data, size, 0};
  for (;;) {
    ZSTD_outBuffer out{buffer_.get(), buffer_size_, 0};
    const std::size_t remaining = ZSTD_compressStream2(cctx, &out, &in, static_cast<ZSTD_EndDirective>(mode));
    if (ZSTD_isError(remaining)) throw Error("cannot compress '" + name_ + "': " + ZSTD_getErrorName(remaining));
    if (out.pos > 0) out_.write(buffer_.get(), out.pos);
    const bool done = mode == ZSTD_e_continue ? in.pos == in.size : remaining == 0;
    if (done) return;
  }
}

void ZstdSink::write(const char* data, std::size_t size) {
  if (!stored_) return drain(ZSTD_e_continue, data, size);
  stored_->write(std::string_view(data, size), stored_out_);
  out_.write(stored_out_.data(), stored_out_.size());
  stored_out_.clear();
}

void ZstdSink::finish() {
  if (!stored_) return drain(ZSTD_e_end, nullptr, 0);
  stored_->finish(stored_out_);
  out_.write(stored_out_.data(), stored_out_.size());
  stored_out_.clear();
}

}  // namespace sluice
