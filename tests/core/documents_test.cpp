#include <gtest/gtest.h>

#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

TEST(Documents, RoundTripThroughZstdShardKeepsEveryField) {
  TempDir dir;
  const auto docs = write_documents(dir / "part-00000.jsonl.zst", 500, 7);
  const auto back = read_documents(dir / "part-00000.jsonl.zst");
  ASSERT_EQ(back.size(), docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) EXPECT_EQ(back[i].to_json(), docs[i].to_json());
}

TEST(Documents, ReadsPlainGzipAndZstdAlikeAndKeepsUnknownFields) {
  TempDir dir;
  const std::string lines =
      "{\"id\":\"a\",\"text\":\"x = 1\\n\",\"source\":\"git\",\"added\":\"2024-01-01\","
      "\"metadata\":{\"lang\":\"Python\",\"stars\":12,\"nested\":{\"k\":[1,2]}}}\n"
      "\n"
      "{\"text\":\"no source\",\"id\":17}";  // numeric id, no trailing newline
  write_text(dir / "a.jsonl", lines);
  write_gzip(dir / "b.jsonl.gz", lines);
  write_zstd(dir / "c.jsonl.zst", lines);
  for (const char* name : {"a.jsonl", "b.jsonl.gz", "c.jsonl.zst"}) {
    const auto docs = read_documents(dir / name);
    ASSERT_EQ(docs.size(), 2u) << name;
    EXPECT_EQ(docs[0].text, "x = 1\n");
    EXPECT_EQ(docs[0].metadata.get_int("stars"), 12);
    EXPECT_EQ(docs[0].metadata.raw("nested"), "{\"k\":[1,2]}");
    EXPECT_EQ(docs[0].extra.get_string("added"), "2024-01-01");
    EXPECT_EQ(docs[1].id, "17");
    EXPECT_EQ(docs[1].source, "");
  }
  // Unknown fields survive a rewrite.
  EXPECT_NE(read_documents(dir / "a.jsonl")[0].to_json().find("\"added\":\"2024-01-01\""), std::string::npos);
}

TEST(Documents, ConcatenatedCompressedStreamsReadAsOne) {
  TempDir dir;
  write_text(dir / "two.jsonl.zst", zstd_compress("{\"id\":\"1\",\"text\":\"a\"}\n") + zstd_compress("{\"id\":\"2\",\"text\":\"b\"}\n"));
  EXPECT_EQ(read_documents(dir / "two.jsonl.zst").size(), 2u);
}

TEST(Documents, LongLinesCrossingReadChunksParse) {
  TempDir dir;
  const std::string big(3 << 20, 'q');  // 3 MB line: larger than the 1 MB read chunk
  DocumentWriter writer(dir / "big.jsonl.zst");
  writer.write(make_document("big", big));
  writer.write(make_document("small", "s"));
  writer.finish();
  const auto docs = read_documents(dir / "big.jsonl.zst");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0].text, big);
  EXPECT_EQ(docs[1].text, "s");
}

TEST(Documents, WriterLeavesNothingUntilFinished) {
  TempDir dir;
  {
    DocumentWriter writer(dir / "out.jsonl.zst");
    writer.write(make_document("a", "text"));
    // destroyed without finish(): an error path
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(Documents, WriterReportsCountsAndDigest) {
  TempDir dir;
  DocumentWriter writer(dir / "out.jsonl.zst");
  writer.write(make_document("a", "hello"));
  writer.write(make_document("b", "wörld"));
  writer.finish();
  EXPECT_EQ(writer.documents(), 2u);
  EXPECT_EQ(writer.text_bytes(), 11u);
  EXPECT_EQ(writer.file_bytes(), std::filesystem::file_size(dir / "out.jsonl.zst"));
  EXPECT_EQ(writer.file_digest(), hash_file(dir / "out.jsonl.zst"));
}
