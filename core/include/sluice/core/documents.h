#pragma once
// Streaming reader and writer of document files (JSON Lines; plain, .zst or .gz).
// The reader holds one decompressed window of the file, never the whole file: memory is bounded
// by the read chunk plus the longest line.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "sluice/core/document.h"
#include "sluice/core/hash.h"

namespace sluice {

class DocumentReader {
 public:
  explicit DocumentReader(const std::filesystem::path& path);
  ~DocumentReader();
  DocumentReader(const DocumentReader&) = delete;
  DocumentReader& operator=(const DocumentReader&) = delete;

  // Reads the next record into `doc`; false at the end of the file. A malformed record throws
  // Error "FILE:LINE: what is wrong". Blank lines are skipped.
  bool next(Document& doc);

  const std::filesystem::path& path() const;
  std::uint64_t line() const;             // line number of the last record returned
  std::uint64_t bytes_consumed() const;   // decompressed bytes consumed so far

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct WriterOptions {
  int zstd_level = 3;  // ignored for plain output
};

// Writes documents to `target` atomically: nothing appears under that name until finish().
// The target's extension picks the encoding: ".zst" compresses, anything else is plain JSONL.
class DocumentWriter {
 public:
  explicit DocumentWriter(const std::filesystem::path& target, WriterOptions options = {});
  ~DocumentWriter();
  DocumentWriter(const DocumentWriter&) = delete;
  DocumentWriter& operator=(const DocumentWriter&) = delete;

  void write(const Document& doc);
  void finish();  // flush, fsync, rename into place

  std::uint64_t documents() const;
  std::uint64_t text_bytes() const;   // sum of the UTF-8 bytes of every text
  std::uint64_t file_bytes() const;   // valid after finish()
  Hash128 file_digest() const;        // XXH3-128 of the file, valid after finish()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
