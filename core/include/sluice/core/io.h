#pragma once
// Byte streams. Sources decompress what they read (zstd, gzip or plain, told apart by magic
// bytes, not by file name). Outputs are atomic: bytes go to a temporary name beside the target,
// and only commit() - after fsync - renames them into place, so a crash or an error never leaves
// a partial file under the real name.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "sluice/core/hash.h"

namespace sluice {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `capacity` bytes; returns 0 only at the end of the stream. Throws Error on a
  // read failure or a corrupt / truncated compressed stream, naming the file.
  virtual std::size_t read(char* buffer, std::size_t capacity) = 0;
};

enum class Compression { kPlain, kZstd, kGzip };

// Opens a file and picks the decompressor from its first bytes. A 0-byte file is an error: sluice
// never writes one, so it marks an interrupted write by some other tool.
std::unique_ptr<ByteSource> open_source(const std::filesystem::path& path);
Compression detect_compression(const std::filesystem::path& path);

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const char* data, std::size_t size) = 0;
};

// A file written under a temporary name and renamed into place by commit(). Destroying it
// without commit() removes the temporary file.
class AtomicFile final : public ByteSink {
 public:
  explicit AtomicFile(std::filesystem::path target);
  ~AtomicFile() override;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const char* data, std::size_t size) override;
  void commit();  // fsync, rename, fsync the directory
  void abandon();  // remove the temporary file now

  const std::filesystem::path& target() const { return target_; }
  std::uint64_t bytes_written() const { return bytes_; }
  Hash128 digest() const { return hash_.digest(); }  // XXH3-128 of every byte written

 private:
  void start_writeback();
  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  std::uint64_t bytes_ = 0;
  std::uint64_t written_back_ = 0;  // bytes whose writeback has been started
  StreamingHash hash_;
};

// Temporary names look like "NAME.tmp-PID-N". A run removes those left in its output directory by
// a run that was killed.
bool is_temporary_name(const std::string& filename);
void remove_stale_temporaries(const std::filesystem::path& directory);

// Writes a whole small file atomically (manifests, summaries).
void write_file_atomically(const std::filesystem::path& path, const std::string& contents);
std::string read_small_file(const std::filesystem::path& path);

class StoredZstdFrame;

// zstd-compresses into another sink; finish() ends the frame. Level 0 stores the bytes in the
// frame uncompressed (see zstd_store.h).
class ZstdSink final : public ByteSink {
 public:
  ZstdSink(ByteSink& out, int level, std::string name_for_errors);
  ~ZstdSink() override;
  ZstdSink(const ZstdSink&) = delete;
  ZstdSink& operator=(const ZstdSink&) = delete;
  void write(const char* data, std::size_t size) override;
  void finish();

 private:
  void drain(int mode, const char* data, std::size_t size);
  ByteSink& out_;
  void* stream_;
  std::string name_;
  std::unique_ptr<char[]> buffer_;
  std::size_t buffer_size_;
  std::unique_ptr<StoredZstdFrame> stored_;  // level 0
  std::string stored_out_;
};

}  // namespace sluice
