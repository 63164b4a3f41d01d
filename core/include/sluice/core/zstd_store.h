#pragma once
// zstd frames that store their content without compressing it (raw blocks): what `--level 0`
// writes. Any zstd reader reads them; writing one costs a copy and a checksum, for shards that the
// next stage on the same machine reads once and that need not be small.
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice {

// Appends one whole frame holding `content` to `out`.
void append_stored_zstd_frame(std::string_view content, std::string& out);

// The same frame written piece by piece, for streams of unknown length.
class StoredZstdFrame {
 public:
  StoredZstdFrame();
  ~StoredZstdFrame();
  StoredZstdFrame(const StoredZstdFrame&) = delete;
  StoredZstdFrame& operator=(const StoredZstdFrame&) = delete;

  // Appends to `out` whatever of the frame is complete after `content`.
  void write(std::string_view content, std::string& out);
  // Appends the rest of the frame: the last block and the checksum.
  void finish(std::string& out);

 private:
  std::string pending_;  // content not yet in a block
  bool header_written_ = false;
  void* checksum_;  // XXH64 state over the whole content
};

}  // namespace sluice
