// Exports of token shards to llm.c and Megatron-LM layouts (byte layouts in the header comments
// and in docs/tok-format.md).
#include "sluice/tokenize/export.h"

#include <cstring>
#include <vector>

#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice::tokenize {
namespace {

template <typename T>
void append_le(std::vector<char>& out, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xFF));
}

// Streams the shard's tokens in chunks as `width`-byte little-endian integers.
void write_tokens(const TokenShardReader& shard, AtomicFile& file, std::size_t width) {
  constexpr std::uint64_t kChunk = 1 << 20;
  std::vector<std::uint32_t> tokens;
  std::vector<char> bytes;
  for (std::uint64_t at = 0; at < shard.num_tokens(); at += kChunk) {
    const std::uint64_t end = std::min(shard.num_tokens(), at + kChunk);
    shard.read_tokens(at, end, tokens);
    bytes.clear();
    for (const std::uint32_t t : tokens) {
      for (std::size_t i = 0; i < width; ++i) bytes.push_back(static_cast<char>((t >> (8 * i)) & 0xFF));
    }
    file.write(bytes.data(), bytes.size());
  }
}

}  // namespace

std::uint64_t export_llmc(const TokenShardReader& shard, const std::filesystem::path& out) {
  if (shard.vocab_size() > 65536) {
    throw Error(out.string() + ": llm.c's GPT-2 .bin stores uint16 ids; this shard's vocab size " +
                std::to_string(shard.vocab_size()) + " does not fit");
  }
  if (shard.num_tokens() > 0x7FFFFFFFu) throw Error(out.string() + ": more tokens than llm.c's int32 header can count");
  AtomicFile file(out);
  std::vector<char> header;
  append_le<std::int32_t>(header, 20240520);
  append_le<std::int32_t>(header, 1);
  append_le<std::int32_t>(header, static_cast<std::int32_t>(shard.num_tokens()));
  header.resize(256 * 4, 0);
  file.write(header.data(), header.size());
  write_tokens(shard, file, 2);
  file.commit();
  return shard.num_tokens();
}

std::uint64_t export_megatron(const TokenShardReader& shard, const std::filesystem::path& prefix) {
  const bool small = shard.vocab_size() < 65500;
  const std::size_t width = small ? 2 : 4;
  std::filesystem::path bin = prefix;
  bin += ".bin";
  std::filesystem::path idx = prefix;
  idx += ".idx";
  AtomicFile bin_file(bin);
  write_tokens(shard, bin_file, width);
  const std::uint64_t docs = shard.num_documents();
  std::vector<char> index;
  const char magic[9] = {'M', 'M', 'I', 'D', 'I', 'D', 'X', '\0', '\0'};
  index.insert(index.end(), magic, magic + 9);
  append_le<std::uint64_t>(index, 1);
  index.push_back(static_cast<char>(small ? 8 : 4));  // dtype code: 8 uint16, 4 int32
  append_le<std::uint64_t>(index, docs);              // sequences: one per document
  append_le<std::uint64_t>(index, docs + 1);          // document_indices entries
  for (std::uint64_t d = 0; d < docs; ++d) {
    const auto [b, e] = shard.document_range(d);
    if (e - b > 0x7FFFFFFFu) throw Error(idx.string() + ": a document is longer than int32 lengths allow");
    append_le<std::int32_t>(index, static_cast<std::int32_t>(e - b));
  }
  for (std::uint64_t d = 0; d < docs; ++d) append_le<std::int64_t>(index, static_cast<std::int64_t>(shard.document_range(d).first * width));
  for (std::uint64_t d = 0; d <= docs; ++d) append_le<std::int64_t>(index, static_cast<std::int64_t>(d));
  AtomicFile idx_file(idx);
  idx_file.write(index.data(), index.size());
  bin_file.commit();
  idx_file.commit();
  return shard.num_tokens();
}

}  // namespace sluice::tokenize
