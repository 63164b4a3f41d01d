// `--level 0`: zstd frames whose blocks store the bytes as they are. libzstd, which every reader
// of sluice's shards uses, must read them back exactly, whatever the size.
#include <gtest/gtest.h>
#include <zstd.h>

#include "sluice/core/documents.h"
#include "sluice/core/zstd_store.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

std::string decompress(const std::string& frame) {
  const auto size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  std::string out;
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::string buffer(ZSTD_DStreamOutSize(), '\0');
  ZSTD_inBuffer in{frame.data(), frame.size(), 0};
  std::size_t remaining = 1;
  while (in.pos < in.size && remaining != 0) {
    ZSTD_outBuffer o{buffer.data(), buffer.size(), 0};
    remaining = ZSTD_decompressStream(dctx, &o, &in);
    if (ZSTD_isError(remaining)) {
      ZSTD_freeDCtx(dctx);
      throw std::runtime_error(ZSTD_getErrorName(remaining));
    }
    out.append(buffer.data(), o.pos);
  }
  ZSTD_freeDCtx(dctx);
  EXPECT_EQ(remaining, 0u) << "frame not complete";
  EXPECT_EQ(size, ZSTD_CONTENTSIZE_UNKNOWN);  // streamed frames do not declare their size
  return out;
}

std::string bytes_of(std::size_t size) {
  std::string text(size, '\0');
  for (std::size_t i = 0; i < size; ++i) text[i] = static_cast<char>((i * 2654435761u) >> 13);
  return text;
}

}  // namespace

TEST(StoredZstd, EveryBlockBoundaryReadsBackExactly) {
  for (const std::size_t size : {std::size_t{0}, std::size_t{1}, std::size_t{131071}, std::size_t{131072}, std::size_t{131073},
                                 std::size_t{3} << 20}) {
    const auto content = bytes_of(size);
    std::string frame;
    append_stored_zstd_frame(content, frame);
    EXPECT_EQ(decompress(frame), content) << size;
    EXPECT_LE(frame.size(), content.size() + 16 + 3 * (size / 131072));  // a copy, not an expansion
  }
}

TEST(StoredZstd, PiecesOfAnySizeMakeTheSameFrame) {
  const auto content = bytes_of(700000);
  std::string whole;
  append_stored_zstd_frame(content, whole);
  for (const std::size_t piece : {std::size_t{1000}, std::size_t{131072}, std::size_t{200000}}) {
    StoredZstdFrame frame;
    std::string out;
    for (std::size_t at = 0; at < content.size(); at += piece) frame.write(std::string_view(content).substr(at, piece), out);
    frame.finish(out);
    EXPECT_EQ(out, whole) << piece;
  }
}

TEST(StoredZstd, ACorruptedByteFailsTheChecksum) {
  const auto content = bytes_of(5000);
  std::string frame;
  append_stored_zstd_frame(content, frame);
  frame[frame.size() / 2] ^= 1;
  EXPECT_THROW(decompress(frame), std::runtime_error);
}

TEST(StoredZstd, LevelZeroShardsReadBackThroughTheDocumentReader) {
  TempDir dir;
  WriterOptions options;
  options.zstd_level = 0;
  std::vector<Document> docs;
  {
    DocumentWriter writer(dir / "part-00000.jsonl.zst", options);
    for (int i = 0; i < 3000; ++i) {
      docs.push_back(make_document("d" + std::to_string(i), std::string(50 + i % 400, 'x') + std::to_string(i)));
      writer.write(docs.back());
    }
    writer.finish();
  }
  const auto back = read_documents(dir / "part-00000.jsonl.zst");
  ASSERT_EQ(back.size(), docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) EXPECT_EQ(back[i].to_json(), docs[i].to_json());
}
