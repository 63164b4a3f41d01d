#include "work_files.h"

#include <cstring>

#include "sluice/core/error.h"

namespace sluice::dedup {
namespace {
constexpr std::uint32_t kVersion = 1;
constexpr char kEndMagic[9] = "SLDEND01";
constexpr std::size_t kHeader = 16;
constexpr std::size_t kFooter = 16;
constexpr std::size_t kBufferBytes = 1 << 20;
}  // namespace

RecordWriter::RecordWriter(const std::filesystem::path& path, const char (&magic)[9], std::uint32_t record_size)
    : file_(path) {
  buffer_.append(magic, 8);
  buffer_.append(reinterpret_cast<const char*>(&kVersion), 4);
  buffer_.append(reinterpret_cast<const char*>(&record_size), 4);
}

void RecordWriter::write(const void* data, std::size_t size) {
  buffer_.append(static_cast<const char*>(data), size);
  if (buffer_.size() >= kBufferBytes) flush();
}

void RecordWriter::flush() {
  file_.write(buffer_.data(), buffer_.size());
  buffer_.clear();
}

void RecordWriter::finish() {
  buffer_.append(reinterpret_cast<const char*>(&count_), 8);
  buffer_.append(kEndMagic, 8);
  flush();
  file_.commit();
}

RecordReader::RecordReader(const std::filesystem::path& path, const char (&magic)[9], std::uint32_t record_size)
    : path_(path), record_size_(record_size) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) fail_errno("cannot open dedup work file", path.string());
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec || size < kHeader + kFooter) corrupt("too short to be a dedup work file");
  char header[kHeader];
  if (std::fread(header, 1, kHeader, file_) != kHeader) corrupt("cannot read the header");
  std::uint32_t version = 0, stored_size = 0;
  std::memcpy(&version, header + 8, 4);
  std::memcpy(&stored_size, header + 12, 4);
  if (std::memcmp(header, magic, 8) != 0) corrupt(std::string("not a '") + magic + "' file");
  if (version != kVersion || stored_size != record_size) corrupt("written by another version of sluice");
  char footer[kFooter];
  if (std::fseek(file_, static_cast<long>(size - kFooter), SEEK_SET) != 0 || std::fread(footer, 1, kFooter, file_) != kFooter ||
      std::memcmp(footer + 8, kEndMagic, 8) != 0) {
    corrupt("truncated (no end marker)");
  }
  std::memcpy(&count_, footer, 8);
  body_left_ = size - kHeader - kFooter;
  if (record_size != 0 && body_left_ != count_ * record_size) corrupt("record count does not match the size");
  std::fseek(file_, static_cast<long>(kHeader), SEEK_SET);
}

RecordReader::~RecordReader() {
  if (file_) std::fclose(file_);
}

void RecordReader::corrupt(const std::string& what) const {
  fail_at(path_.string(), 0,
          what + "; the dedup work directory is damaged: delete it (or the whole --out directory) and run again");
}

void RecordReader::read(void* data, std::size_t size) {
  if (size > body_left_ || std::fread(data, 1, size, file_) != size) corrupt("records end early");
  body_left_ -= size;
}

std::size_t RecordReader::read_records(void* data, std::size_t max) {
  const std::size_t available = static_cast<std::size_t>(body_left_ / record_size_);
  const std::size_t take = std::min(max, available);
  if (take == 0) return 0;
  read(data, take * record_size_);
  return take;
}

}  // namespace sluice::dedup
