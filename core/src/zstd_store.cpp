#include "sluice/core/zstd_store.h"

#include <xxhash.h>

#include <algorithm>

namespace sluice {
namespace {

// RFC 8878: the magic number, a frame header descriptor with only the content checksum flag,
// and a window descriptor of 2^17 bytes (128 KiB, the largest block a decoder must accept).
constexpr std::size_t kMaxBlock = 128 * 1024;
constexpr char kHeader[] = {'\x28', '\xB5', '\x2F', '\xFD', '\x04', (17 - 10) << 3};

void put_le(std::string& out, std::uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// A raw block: a 3-byte header (last-block flag, type 0 = raw, size), then the bytes as they are.
void put_raw_block(std::string& out, std::string_view bytes, bool last) {
  put_le(out, (static_cast<std::uint64_t>(bytes.size()) << 3) | (last ? 1u : 0u), 3);
  out.append(bytes);
}

XXH64_state_t* state(void* p) { return static_cast<XXH64_state_t*>(p); }

}  // namespace

StoredZstdFrame::StoredZstdFrame() : checksum_(XXH64_createState()) { XXH64_reset(state(checksum_), 0); }

StoredZstdFrame::~StoredZstdFrame() { XXH64_freeState(state(checksum_)); }

void StoredZstdFrame::write(std::string_view content, std::string& out) {
  if (!header_written_) {
    out.append(kHeader, sizeof kHeader);
    header_written_ = true;
  }
  XXH64_update(state(checksum_), content.data(), content.size());
  // A block goes out only once more content follows it: finish() marks the one it holds last.
  while (pending_.size() + content.size() > kMaxBlock) {
    if (pending_.empty()) {
      put_raw_block(out, content.substr(0, kMaxBlock), false);
      content.remove_prefix(kMaxBlock);
    } else {
      const std::size_t take = kMaxBlock - pending_.size();
      pending_.append(content.substr(0, take));
      content.remove_prefix(take);
      put_raw_block(out, pending_, false);
      pending_.clear();
    }
  }
  pending_.append(content);
}

void StoredZstdFrame::finish(std::string& out) {
  write({}, out);  // the header, for an empty frame
  put_raw_block(out, pending_, true);
  pending_.clear();
  // The content checksum: the low 32 bits of XXH64 of the content.
  put_le(out, XXH64_digest(state(checksum_)), 4);
}

void append_stored_zstd_frame(std::string_view content, std::string& out) {
  out.reserve(out.size() + sizeof kHeader + content.size() + 3 * (content.size() / kMaxBlock + 1) + 4);
  StoredZstdFrame frame;
  frame.write(content, out);
  frame.finish(out);
}

}  // namespace sluice
