// The .tok format; docs/tok-format.md is the specification this file follows.
#include "sluice/tokenize/token_shard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
// XXH3 compiled here, inline, with the project's instruction set (AVX2 where available): the
// shared libxxhash is built for baseline SSE2, and checksums are a tenth of reading time.
#define XXH_INLINE_ALL
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <bit>
#include <new>
#include <cerrno>
#include <cstring>

#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice::tokenize {
namespace {

constexpr char kMagic[8] = {'S', 'L', 'U', 'I', 'C', 'T', 'O', 'K'};
constexpr char kEndMagic[8] = {'S', 'L', 'U', 'I', 'C', 'E', 'N', 'D'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 128;
constexpr std::size_t kFooterBytes = 64;
constexpr std::size_t kFrameEntryBytes = 24;
constexpr std::size_t kMaxHashBytes = 64;
constexpr std::uint32_t kFlagBytePlanes = 1;
// Caps that keep a damaged or hostile header from asking for a huge allocation: a frame holds at
// most 16 Mi tokens (64 MiB decoded), and zstd cannot expand data more than 32768-fold (one
// 4-byte RLE block per 128 KiB block), so a frame claiming more than that from its compressed
// size is refused when the shard is opened.
constexpr std::uint32_t kMaxFrameTokens = 1u << 24;
constexpr std::uint64_t kMaxZstdExpansion = 32768;

void put32(unsigned char* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
void put64(unsigned char* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
}
std::uint32_t get32(const unsigned char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t get64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
std::uint64_t hash64(const void* data, std::size_t size) { return XXH3_64bits(data, size); }

// Lays out `count` tokens as the frame content: byte planes (all byte 0s, then all byte 1s...)
// or plain little-endian ids.
void encode_frame(const std::uint32_t* tokens, std::size_t count, std::uint32_t width, bool planes,
                  std::vector<unsigned char>& raw) {
  raw.resize(count * width);
  if (planes) {
    for (std::uint32_t plane = 0; plane < width; ++plane) {
      unsigned char* out = raw.data() + plane * count;
      const unsigned shift = 8 * plane;
      for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<unsigned char>(tokens[i] >> shift);
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      for (std::uint32_t b = 0; b < width; ++b) raw[i * width + b] = static_cast<unsigned char>(tokens[i] >> (8 * b));
    }
  }
}

// Turns frame content back into ids and returns the largest id, so the vocab check costs one
// comparison per frame. The loops are plain enough for the compiler to vectorise.
std::uint32_t decode_frame(const unsigned char* __restrict raw, std::size_t count, std::uint32_t width, bool planes,
                           std::uint32_t* __restrict out) {
  std::uint32_t largest = 0;
  if (planes && width == 2) {
    const unsigned char* __restrict lo = raw;
    const unsigned char* __restrict hi = raw + count;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t id = static_cast<std::uint32_t>(lo[i]) | (static_cast<std::uint32_t>(hi[i]) << 8);
      out[i] = id;
      largest = std::max(largest, id);
    }
  } else if (planes) {
    const unsigned char* __restrict p0 = raw;
    const unsigned char* __restrict p1 = raw + count;
    const unsigned char* __restrict p2 = raw + 2 * count;
    const unsigned char* __restrict p3 = raw + 3 * count;
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t id = static_cast<std::uint32_t>(p0[i]) | (static_cast<std::uint32_t>(p1[i]) << 8) |
                               (static_cast<std::uint32_t>(p2[i]) << 16) | (static_cast<std::uint32_t>(p3[i]) << 24);
      out[i] = id;
      largest = std::max(largest, id);
    }
  } else if (width == 2 && std::endian::native == std::endian::little) {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint16_t id;
      std::memcpy(&id, raw + 2 * i, 2);
      out[i] = id;
      largest = std::max<std::uint32_t>(largest, id);
    }
  } else {
    for (std::size_t i = 0; i < count; ++i) {
      std::uint32_t id = 0;
      for (std::uint32_t b = 0; b < width; ++b) id |= static_cast<std::uint32_t>(raw[width * i + b]) << (8 * b);
      out[i] = id;
      largest = std::max(largest, id);
    }
  }
  return largest;
}

std::uint32_t largest_of(const std::uint32_t* tokens, std::size_t count) {
  std::uint32_t largest = 0;
  for (std::size_t i = 0; i < count; ++i) largest = std::max(largest, tokens[i]);
  return largest;
}

// What decoding a frame needs, kept from frame to frame: a zstd context (set up once, not per
// frame as ZSTD_decompress does) and the compressed and decompressed buffers, which stay
// allocated, so a sequential read takes no page faults for fresh buffers on every frame.
struct FrameDecoder {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<unsigned char> packed;
  std::vector<unsigned char> raw;
  FrameDecoder() {
    if (dctx == nullptr) throw std::bad_alloc();
  }
  ~FrameDecoder() { ZSTD_freeDCtx(dctx); }
  FrameDecoder(const FrameDecoder&) = delete;
  FrameDecoder& operator=(const FrameDecoder&) = delete;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Writer

struct TokenShardWriter::Impl {
  AtomicFile file;
  std::string path_text;
  std::uint32_t vocab_size;
  std::string tokenizer_hash;
  TokenShardOptions options;
  std::uint32_t width;
  std::vector<std::uint32_t> pending;      // tokens of the frame being filled
  std::vector<FrameInfo> frames;
  std::vector<std::uint64_t> doc_starts{0};
  std::uint64_t tokens = 0;
  std::uint64_t offset = kHeaderBytes;
  std::vector<unsigned char> raw;
  std::vector<unsigned char> packed;
  ZSTD_CCtx* cctx = nullptr;
  bool finished = false;

  Impl(const std::filesystem::path& path, std::uint32_t vocab, std::string hash, TokenShardOptions opts)
      : file(path), path_text(path.string()), vocab_size(vocab), tokenizer_hash(std::move(hash)), options(opts),
        width(vocab <= 65536 ? 2 : 4) {
    if (vocab == 0) fail_at(path_text, 0, "vocab size 0: a token shard needs the tokenizer's vocab size");
    if (tokenizer_hash.size() > kMaxHashBytes) fail_at(path_text, 0, "tokenizer hash longer than 64 bytes");
    if (options.frame_tokens == 0 || options.frame_tokens > kMaxFrameTokens) {
      fail_at(path_text, 0, "frame size " + std::to_string(options.frame_tokens) + " tokens (use 1 to " +
                                std::to_string(kMaxFrameTokens) + ")");
    }
    cctx = ZSTD_createCCtx();
    unsigned char header[kHeaderBytes] = {};
    std::memcpy(header, kMagic, 8);
    put32(header + 8, kVersion);
    put32(header + 12, width);
    put32(header + 16, vocab_size);
    put32(header + 20, options.frame_tokens);
    put32(header + 24, options.byte_planes ? kFlagBytePlanes : 0);
    put32(header + 28, static_cast<std::uint32_t>(tokenizer_hash.size()));
    std::memcpy(header + 32, tokenizer_hash.data(), tokenizer_hash.size());
    put64(header + 120, hash64(header, 120));
    file.write(reinterpret_cast<const char*>(header), kHeaderBytes);
  }
  ~Impl() { ZSTD_freeCCtx(cctx); }

  void flush_frame() {
    if (pending.empty()) return;
    encode_frame(pending.data(), pending.size(), width, options.byte_planes, raw);
    packed.resize(ZSTD_compressBound(raw.size()));
    const std::size_t size = ZSTD_compressCCtx(cctx, packed.data(), packed.size(), raw.data(), raw.size(), options.zstd_level);
    if (ZSTD_isError(size)) fail_at(path_text, 0, std::string("zstd compression failed: ") + ZSTD_getErrorName(size));
    file.write(reinterpret_cast<const char*>(packed.data()), size);
    frames.push_back({offset, static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(pending.size()),
                      hash64(raw.data(), raw.size())});
    offset += size;
    pending.clear();
  }
};

TokenShardWriter::TokenShardWriter(const std::filesystem::path& path, std::uint32_t vocab_size, std::string tokenizer_hash)
    : TokenShardWriter(path, vocab_size, std::move(tokenizer_hash), TokenShardOptions{}) {}

TokenShardWriter::TokenShardWriter(const std::filesystem::path& path, std::uint32_t vocab_size, std::string tokenizer_hash,
                                   TokenShardOptions options)
    : impl_(std::make_unique<Impl>(path, vocab_size, std::move(tokenizer_hash), options)) {}

TokenShardWriter::~TokenShardWriter() = default;

void TokenShardWriter::add_document(std::span<const std::uint32_t> tokens) {
  Impl& s = *impl_;
  if (s.finished) fail_at(s.path_text, 0, "add_document after finish()");
  for (const std::uint32_t token : tokens) {
    if (token >= s.vocab_size) {
      fail_at(s.path_text, 0, "token " + std::to_string(token) + " in document " + std::to_string(s.doc_starts.size() - 1) +
                                  " is >= the vocab size " + std::to_string(s.vocab_size));
    }
  }
  std::size_t at = 0;
  while (at < tokens.size()) {
    const std::size_t room = s.options.frame_tokens - s.pending.size();
    const std::size_t take = std::min(room, tokens.size() - at);
    s.pending.insert(s.pending.end(), tokens.begin() + static_cast<std::ptrdiff_t>(at),
                     tokens.begin() + static_cast<std::ptrdiff_t>(at + take));
    at += take;
    if (s.pending.size() == s.options.frame_tokens) s.flush_frame();
  }
  s.tokens += tokens.size();
  s.doc_starts.push_back(s.tokens);
}

void TokenShardWriter::finish() {
  Impl& s = *impl_;
  if (s.finished) return;
  s.flush_frame();
  std::vector<unsigned char> tables(s.frames.size() * kFrameEntryBytes + s.doc_starts.size() * 8);
  unsigned char* p = tables.data();
  for (const FrameInfo& f : s.frames) {
    put64(p, f.offset);
    put32(p + 8, f.compressed);
    put32(p + 12, f.tokens);
    put64(p + 16, f.checksum);
    p += kFrameEntryBytes;
  }
  for (const std::uint64_t start : s.doc_starts) {
    put64(p, start);
    p += 8;
  }
  s.file.write(reinterpret_cast<const char*>(tables.data()), tables.size());
  unsigned char footer[kFooterBytes] = {};
  put64(footer, s.offset);
  put64(footer + 8, s.frames.size());
  put64(footer + 16, s.offset + s.frames.size() * kFrameEntryBytes);
  put64(footer + 24, s.doc_starts.size() - 1);
  put64(footer + 32, s.tokens);
  put64(footer + 40, hash64(tables.data(), tables.size()));
  put64(footer + 48, hash64(footer, 48));
  std::memcpy(footer + 56, kEndMagic, 8);
  s.file.write(reinterpret_cast<const char*>(footer), kFooterBytes);
  s.file.commit();
  s.finished = true;
}

std::uint64_t TokenShardWriter::num_tokens() const { return impl_->tokens; }
std::uint64_t TokenShardWriter::num_documents() const { return impl_->doc_starts.size() - 1; }
std::uint64_t TokenShardWriter::file_bytes() const { return impl_->file.bytes_written(); }

// ---------------------------------------------------------------------------------------------
// Reader

struct TokenShardReader::Impl {
  std::string path_text;
  int fd = -1;
  std::uint64_t size = 0;
  std::uint32_t width = 2;
  std::uint32_t vocab = 0;
  std::uint32_t frame_tokens = 0;
  bool planes = false;
  std::string tokenizer_hash;
  std::uint64_t tokens = 0;
  std::vector<FrameInfo> frames;
  std::vector<std::uint64_t> doc_starts;
  // A few recently decoded frames: sequential readers of small ranges decode each frame once.
  mutable std::mutex cache_mutex;
  mutable std::vector<std::pair<std::size_t, std::shared_ptr<const std::vector<std::uint32_t>>>> cache;
  mutable std::mutex decoders_mutex;
  mutable std::vector<std::unique_ptr<FrameDecoder>> idle_decoders;

  ~Impl() {
    if (fd >= 0) ::close(fd);
  }

  [[noreturn]] void bad(const std::string& what) const {
    fail_at(path_text, 0, "not a valid token shard: " + what + " (rewrite it with `sluice tokenize`)");
  }
  [[noreturn]] void bad_frame(std::size_t index, const std::string& what) const {
    bad("frame " + std::to_string(index) + " at byte " + std::to_string(frames[index].offset) + ": " + what);
  }

  void read_at(std::uint64_t offset, void* buffer, std::size_t count) const {
    auto* out = static_cast<char*>(buffer);
    while (count > 0) {
      const ssize_t got = ::pread(fd, out, count, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        fail_errno("read", path_text);
      }
      if (got == 0) bad("file ends early (truncated)");
      out += got;
      offset += static_cast<std::uint64_t>(got);
      count -= static_cast<std::size_t>(got);
    }
  }

  // A decoder for the duration of one call; it goes back to the idle list afterwards, also when
  // the call threw (ZSTD_decompressDCtx starts each frame afresh, so no state carries over).
  struct DecoderLease {
    const Impl& owner;
    std::unique_ptr<FrameDecoder> decoder;
    explicit DecoderLease(const Impl& impl) : owner(impl) {
      std::lock_guard lock(owner.decoders_mutex);
      if (!owner.idle_decoders.empty()) {
        decoder = std::move(owner.idle_decoders.back());
        owner.idle_decoders.pop_back();
      }
      if (!decoder) decoder = std::make_unique<FrameDecoder>();
    }
    ~DecoderLease() {
      std::lock_guard lock(owner.decoders_mutex);
      owner.idle_decoders.push_back(std::move(decoder));
    }
    DecoderLease(const DecoderLease&) = delete;
    DecoderLease& operator=(const DecoderLease&) = delete;
  };

  // Decodes frame `index` into out[0, tokens) and checks it: zstd succeeds, the size, the
  // checksum, every id < vocab size. Plain uint32 ids decompress straight into `out`; other
  // layouts go through the decoder's buffer, which stays warm in cache from frame to frame.
  void decode(std::size_t index, std::uint32_t* out, FrameDecoder& decoder) const {
    const FrameInfo& f = frames[index];
    decoder.packed.resize(f.compressed);
    read_at(f.offset, decoder.packed.data(), f.compressed);
    const std::size_t expected = static_cast<std::size_t>(f.tokens) * width;
    const bool direct = !planes && width == 4 && std::endian::native == std::endian::little;
    if (!direct) decoder.raw.resize(expected);
    unsigned char* content = direct ? reinterpret_cast<unsigned char*>(out) : decoder.raw.data();
    const std::size_t got = ZSTD_decompressDCtx(decoder.dctx, content, expected, decoder.packed.data(), f.compressed);
    if (ZSTD_isError(got)) bad_frame(index, std::string("corrupt zstd data (") + ZSTD_getErrorName(got) + ")");
    if (got != expected) bad_frame(index, "holds " + std::to_string(got) + " bytes, the index says " + std::to_string(expected));
    if (hash64(content, expected) != f.checksum) bad_frame(index, "checksum mismatch (the file is damaged)");
    const std::uint32_t largest = direct ? largest_of(out, f.tokens) : decode_frame(content, f.tokens, width, planes, out);
    if (largest >= vocab) {
      const std::uint32_t* first = std::find_if(out, out + f.tokens, [this](std::uint32_t t) { return t >= vocab; });
      bad_frame(index, "token " + std::to_string(*first) + " >= vocab size " + std::to_string(vocab));
    }
  }

  std::shared_ptr<const std::vector<std::uint32_t>> cached_frame(std::size_t index) const {
    {
      std::lock_guard lock(cache_mutex);
      for (const auto& entry : cache) {
        if (entry.first == index) return entry.second;
      }
    }
    auto tokens_out = std::make_shared<std::vector<std::uint32_t>>(frames[index].tokens);
    {
      DecoderLease lease(*this);
      decode(index, tokens_out->data(), *lease.decoder);
    }
    std::lock_guard lock(cache_mutex);
    if (cache.size() >= 4) cache.erase(cache.begin());
    cache.emplace_back(index, tokens_out);
    return tokens_out;
  }
};

TokenShardReader::TokenShardReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.path_text = path.string();
  s.fd = ::open(s.path_text.c_str(), O_RDONLY | O_CLOEXEC);
  if (s.fd < 0) fail_errno("open", s.path_text);
  struct stat st {};
  if (::fstat(s.fd, &st) != 0) fail_errno("stat", s.path_text);
  if (S_ISDIR(st.st_mode)) fail_at(s.path_text, 0, "is a directory, not a token shard");
  s.size = static_cast<std::uint64_t>(st.st_size);
  if (s.size < kHeaderBytes + kFooterBytes) s.bad("only " + std::to_string(s.size) + " bytes (truncated)");

  unsigned char header[kHeaderBytes];
  s.read_at(0, header, kHeaderBytes);
  if (std::memcmp(header, kMagic, 8) != 0) s.bad("wrong magic (expected SLUICTOK)");
  if (get64(header + 120) != hash64(header, 120)) s.bad("header checksum mismatch");
  const std::uint32_t version = get32(header + 8);
  if (version != kVersion) s.bad("version " + std::to_string(version) + " (this sluice reads version 1)");
  s.width = get32(header + 12);
  s.vocab = get32(header + 16);
  s.frame_tokens = get32(header + 20);
  s.planes = (get32(header + 24) & kFlagBytePlanes) != 0;
  const std::uint32_t hash_len = get32(header + 28);
  if (s.width != 2 && s.width != 4) s.bad("token width " + std::to_string(s.width) + " (must be 2 or 4)");
  if (s.vocab == 0 || (s.width == 2 && s.vocab > 65536)) s.bad("vocab size does not fit the token width");
  if (s.frame_tokens == 0 || s.frame_tokens > kMaxFrameTokens) s.bad("frame size " + std::to_string(s.frame_tokens) + " tokens");
  if (hash_len > kMaxHashBytes) s.bad("tokenizer hash of " + std::to_string(hash_len) + " bytes (at most 64)");
  s.tokenizer_hash.assign(reinterpret_cast<const char*>(header + 32), hash_len);

  unsigned char footer[kFooterBytes];
  s.read_at(s.size - kFooterBytes, footer, kFooterBytes);
  if (std::memcmp(footer + 56, kEndMagic, 8) != 0) s.bad("no footer (the file is truncated or was not finished)");
  if (get64(footer + 48) != hash64(footer, 48)) s.bad("footer checksum mismatch");
  const std::uint64_t table_offset = get64(footer);
  const std::uint64_t num_frames = get64(footer + 8);
  const std::uint64_t index_offset = get64(footer + 16);
  const std::uint64_t num_docs = get64(footer + 24);
  s.tokens = get64(footer + 32);
  const std::uint64_t tables_end = s.size - kFooterBytes;
  if (table_offset < kHeaderBytes || table_offset > tables_end || num_frames > (tables_end - table_offset) / kFrameEntryBytes ||
      index_offset != table_offset + num_frames * kFrameEntryBytes || num_docs >= (tables_end - index_offset) / 8 + 1 ||
      index_offset + (num_docs + 1) * 8 != tables_end) {
    s.bad("footer offsets do not match the file size");
  }
  std::vector<unsigned char> tables(tables_end - table_offset);
  s.read_at(table_offset, tables.data(), tables.size());
  if (hash64(tables.data(), tables.size()) != get64(footer + 40)) s.bad("index checksum mismatch");
  s.frames.resize(num_frames);
  std::uint64_t expect_offset = kHeaderBytes;
  std::uint64_t counted = 0;
  for (std::size_t i = 0; i < num_frames; ++i) {
    const unsigned char* p = tables.data() + i * kFrameEntryBytes;
    FrameInfo& f = s.frames[i];
    f.offset = get64(p);
    f.compressed = get32(p + 8);
    f.tokens = get32(p + 12);
    f.checksum = get64(p + 16);
    const bool last = i + 1 == num_frames;
    if (f.offset != expect_offset || (!last && f.tokens != s.frame_tokens) || f.tokens == 0 || f.tokens > s.frame_tokens) {
      s.bad("frame table entry " + std::to_string(i) + " is inconsistent");
    }
    if (static_cast<std::uint64_t>(f.tokens) * s.width > kMaxZstdExpansion * f.compressed) {
      s.bad("frame table entry " + std::to_string(i) + " claims " + std::to_string(f.tokens) + " tokens from " +
            std::to_string(f.compressed) + " compressed bytes");
    }
    expect_offset += f.compressed;
    counted += f.tokens;
  }
  if (expect_offset != table_offset || counted != s.tokens) s.bad("frames do not add up to the token count");
  s.doc_starts.resize(num_docs + 1);
  for (std::size_t i = 0; i <= num_docs; ++i) {
    s.doc_starts[i] = get64(tables.data() + num_frames * kFrameEntryBytes + i * 8);
    if ((i == 0 && s.doc_starts[i] != 0) || (i > 0 && s.doc_starts[i] < s.doc_starts[i - 1])) {
      s.bad("document index is not increasing at entry " + std::to_string(i));
    }
  }
  if (s.doc_starts.back() != s.tokens) s.bad("document index does not end at the token count");
}

TokenShardReader::~TokenShardReader() = default;

std::uint32_t TokenShardReader::vocab_size() const { return impl_->vocab; }
std::uint64_t TokenShardReader::num_tokens() const { return impl_->tokens; }
std::uint64_t TokenShardReader::num_documents() const { return impl_->doc_starts.size() - 1; }
const std::string& TokenShardReader::tokenizer_hash() const { return impl_->tokenizer_hash; }
std::uint32_t TokenShardReader::token_bytes() const { return impl_->width; }
std::uint32_t TokenShardReader::frame_tokens() const { return impl_->frame_tokens; }
const std::vector<FrameInfo>& TokenShardReader::frames() const { return impl_->frames; }
std::uint64_t TokenShardReader::file_bytes() const { return impl_->size; }

std::pair<std::uint64_t, std::uint64_t> TokenShardReader::document_range(std::uint64_t index) const {
  if (index >= num_documents()) {
    fail_at(impl_->path_text, 0, "document " + std::to_string(index) + " out of range (the shard has " +
                                     std::to_string(num_documents()) + ")");
  }
  return {impl_->doc_starts[index], impl_->doc_starts[index + 1]};
}

void TokenShardReader::read_tokens(std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& out) const {
  const Impl& s = *impl_;
  if (begin > end || end > s.tokens) {
    fail_at(s.path_text, 0, "token range [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside the shard's " +
                                std::to_string(s.tokens) + " tokens");
  }
  out.clear();
  std::unique_ptr<Impl::DecoderLease> lease;  // taken at the first whole frame
  std::uint64_t at = begin;
  while (at < end) {
    const std::size_t index = static_cast<std::size_t>(at / s.frame_tokens);
    const std::uint64_t frame_begin = static_cast<std::uint64_t>(index) * s.frame_tokens;
    const std::uint64_t frame_end = frame_begin + s.frames[index].tokens;
    const std::uint64_t stop = std::min(end, frame_end);
    // `out` grows frame by frame, so what it holds is backed by frames that decoded: an index
    // that lies about the token count cannot make it allocate ahead of real data.
    out.resize(static_cast<std::size_t>(stop - begin));
    std::uint32_t* target = out.data() + (at - begin);
    if (at == frame_begin && stop == frame_end) {
      if (!lease) lease = std::make_unique<Impl::DecoderLease>(s);
      s.decode(index, target, *lease->decoder);
    } else {
      const auto tokens = s.cached_frame(index);
      std::copy(tokens->begin() + static_cast<std::ptrdiff_t>(at - frame_begin),
                tokens->begin() + static_cast<std::ptrdiff_t>(stop - frame_begin), target);
    }
    at = stop;
  }
}

void TokenShardReader::verify() const {
  const Impl& s = *impl_;
  Impl::DecoderLease lease(s);
  std::vector<std::uint32_t> tokens;
  for (std::size_t i = 0; i < s.frames.size(); ++i) {
    tokens.resize(s.frames[i].tokens);
    s.decode(i, tokens.data(), *lease.decoder);
  }
}

}  // namespace sluice::tokenize
