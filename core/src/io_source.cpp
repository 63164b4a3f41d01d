// Decompressing byte sources: plain files, zstd (any number of frames) and gzip (any number of
// members, as concatenated .gz files are). Truncation is detected: a stream that ends inside a
// frame or member is an error, never a silent short read.
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice {
namespace {

class FileReader {
 public:
  explicit FileReader(const std::filesystem::path& path) : path_(path.string()) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail_errno("open", path_);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  ~FileReader() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;

  std::size_t read(char* buffer, std::size_t capacity) {
    for (;;) {
      const ssize_t got = ::read(fd_, buffer, capacity);
      if (got >= 0) return static_cast<std::size_t>(got);
      if (errno != EINTR) fail_errno("read", path_);
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

class PlainSource final : public ByteSource {
 public:
  explicit PlainSource(const std::filesystem::path& path) : file_(path) {}
  std::size_t read(char* buffer, std::size_t capacity) override { return file_.read(buffer, capacity); }

 private:
  FileReader file_;
};

constexpr std::size_t kInputChunk = 1 << 18;

class ZstdSource final : public ByteSource {
 public:
  explicit ZstdSource(const std::filesystem::path& path)
      : file_(path), stream_(ZSTD_createDStream()), input_(kInputChunk) {
    ZSTD_initDStream(stream_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(stream_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  std::size_t read(char* buffer, std::size_t capacity) override {
    ZSTD_outBuffer out{buffer, capacity, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        if (at_eof_) {
          if (frame_open_) fail_at(file_.path(), 0, "truncated zstd stream (the last frame is incomplete)");
          return 0;
        }
        in_.size = file_.read(input_.data(), input_.size());
        in_.src = input_.data();
        in_.pos = 0;
        if (in_.size == 0) {
          at_eof_ = true;
          continue;
        }
      }
      const std::size_t hint = ZSTD_decompressStream(stream_, &out, &in_);
      if (ZSTD_isError(hint)) {
        fail_at(file_.path(), 0, std::string("corrupt zstd data: ") + ZSTD_getErrorName(hint));
      }
      frame_open_ = hint != 0;
    }
    return out.pos;
  }

 private:
  FileReader file_;
  ZSTD_DStream* stream_;
  std::vector<char> input_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool at_eof_ = false;
  bool frame_open_ = false;
};

class GzipSource final : public ByteSource {
 public:
  explicit GzipSource(const std::filesystem::path& path) : file_(path), input_(kInputChunk) {
    std::memset(&stream_, 0, sizeof stream_);
    if (inflateInit2(&stream_, 15 + 32) != Z_OK) fail_at(file_.path(), 0, "cannot initialise gzip decoder");
  }
  ~GzipSource() override { inflateEnd(&stream_); }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  std::size_t read(char* buffer, std::size_t capacity) override {
    stream_.next_out = reinterpret_cast<Bytef*>(buffer);
    stream_.avail_out = static_cast<uInt>(std::min<std::size_t>(capacity, 1u << 30));
    const uInt wanted = stream_.avail_out;
    while (stream_.avail_out == wanted) {
      if (stream_.avail_in == 0) {
        const std::size_t got = file_.read(input_.data(), input_.size());
        if (got == 0) {
          if (member_open_) fail_at(file_.path(), 0, "truncated gzip stream (the last member is incomplete)");
          return 0;
        }
        stream_.next_in = reinterpret_cast<Bytef*>(input_.data());
        stream_.avail_in = static_cast<uInt>(got);
      }
      member_open_ = true;
      const int status = inflate(&stream_, Z_NO_FLUSH);
      if (status == Z_STREAM_END) {
        member_open_ = false;
        inflateReset(&stream_);  // another member may follow (concatenated .gz files)
      } else if (status != Z_OK && status != Z_BUF_ERROR) {
        fail_at(file_.path(), 0, std::string("corrupt gzip data: ") + (stream_.msg ? stream_.msg : "inflate failed"));
      }
    }
    return wanted - stream_.avail_out;
  }

 private:
  FileReader file_;
  z_stream stream_;
  std::vector<char> input_;
  bool member_open_ = false;
};

}  // namespace

Compression detect_compression(const std::filesystem::path& path) {
  FileReader file(path);
  std::array<unsigned char, 4> magic{};
  std::size_t have = 0;
  while (have < magic.size()) {
    const std::size_t got = file.read(reinterpret_cast<char*>(magic.data()) + have, magic.size() - have);
    if (got == 0) break;
    have += got;
  }
  if (have == 0) fail_at(path.string(), 0, "empty file (0 bytes): not a document file; was its write interrupted?");
  if (have == 4 && magic[0] == 0x28 && magic[1] == 0xB5 && magic[2] == 0x2F && magic[3] == 0xFD) return Compression::kZstd;
  if (have >= 2 && magic[0] == 0x1F && magic[1] == 0x8B) return Compression::kGzip;
  return Compression::kPlain;
}

std::unique_ptr<ByteSource> open_source(const std::filesystem::path& path) {
  switch (detect_compression(path)) {
    case Compression::kZstd: return std::make_unique<ZstdSource>(path);
    case Compression::kGzip: return std::make_unique<GzipSource>(path);
    case Compression::kPlain: break;
  }
  return std::make_unique<PlainSource>(path);
}

}  // namespace sluice
