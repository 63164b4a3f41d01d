// Token shards: round trips, random access across frames, and every kind of damaged file.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "sluice/core/error.h"
#include "sluice/tokenize/token_shard.h"
#include "test_support.h"

namespace sluice::tokenize {
namespace {

using sluice::test::TempDir;

std::vector<std::vector<std::uint32_t>> make_docs(std::size_t count, std::uint32_t vocab, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<std::uint32_t>> docs(count);
  for (auto& doc : docs) {
    doc.resize(static_cast<std::size_t>(rng() % 300));
    for (auto& t : doc) t = static_cast<std::uint32_t>(rng() % vocab);
  }
  return docs;
}

void write_shard(const std::filesystem::path& path, const std::vector<std::vector<std::uint32_t>>& docs,
                 std::uint32_t vocab, TokenShardOptions options) {
  TokenShardWriter writer(path, vocab, "abc123", options);
  for (const auto& doc : docs) writer.add_document(doc);
  writer.finish();
}

std::string read_bytes(const std::filesystem::path& path) { return sluice::test::read_text(path); }

TEST(TokenShard, RoundTripsDocumentsAndRangesAcrossFrames) {
  for (const std::uint32_t vocab : {50257u, 100277u}) {
    for (const bool planes : {true, false}) {
      TempDir dir;
      const auto docs = make_docs(200, vocab, vocab);
      TokenShardOptions options;
      options.frame_tokens = 1000;  // many frames, documents straddle them
      options.byte_planes = planes;
      write_shard(dir / "a.tok", docs, vocab, options);
      TokenShardReader reader(dir / "a.tok");
      EXPECT_EQ(reader.vocab_size(), vocab);
      EXPECT_EQ(reader.token_bytes(), vocab <= 65536 ? 2u : 4u);
      EXPECT_EQ(reader.num_documents(), docs.size());
      EXPECT_EQ(reader.tokenizer_hash(), "abc123");
      std::vector<std::uint32_t> all;
      for (const auto& doc : docs) all.insert(all.end(), doc.begin(), doc.end());
      EXPECT_EQ(reader.num_tokens(), all.size());
      std::vector<std::uint32_t> got;
      for (std::size_t i = 0; i < docs.size(); ++i) {
        const auto [b, e] = reader.document_range(i);
        reader.read_tokens(b, e, got);
        ASSERT_EQ(got, docs[i]) << "document " << i;
      }
      reader.read_tokens(0, all.size(), got);
      EXPECT_EQ(got, all);
      reader.read_tokens(999, 2001, got);
      EXPECT_EQ(got, std::vector<std::uint32_t>(all.begin() + 999, all.begin() + 2001));
      reader.verify();
    }
  }
}

TEST(TokenShard, ThreadsShareOneReader) {
  // Whole frames, partial frames and ranges across frames from four threads at once: the pooled
  // decoders and the frame cache are shared by all of them.
  for (const std::uint32_t vocab : {50257u, 100277u}) {
    TempDir dir;
    const auto docs = make_docs(120, vocab, 11);
    TokenShardOptions options;
    options.frame_tokens = 700;
    write_shard(dir / "t.tok", docs, vocab, options);
    std::vector<std::uint32_t> all;
    for (const auto& doc : docs) all.insert(all.end(), doc.begin(), doc.end());
    const TokenShardReader reader(dir / "t.tok");
    std::vector<int> mismatches(4, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937 rng(static_cast<std::uint32_t>(t));
        std::vector<std::uint32_t> got;
        for (int i = 0; i < 60; ++i) {
          std::uint64_t begin = rng() % all.size();
          std::uint64_t end = std::min<std::uint64_t>(all.size(), begin + rng() % 2500);
          if (i % 3 == 0) {  // two whole frames: the direct decode path
            begin = (begin / 700) * 700;
            end = std::min<std::uint64_t>(all.size(), begin + 1400);
          }
          reader.read_tokens(begin, end, got);
          if (!std::equal(got.begin(), got.end(), all.begin() + static_cast<std::ptrdiff_t>(begin)) || got.size() != end - begin) {
            ++mismatches[static_cast<std::size_t>(t)];
          }
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(mismatches, std::vector<int>(4, 0)) << "vocab " << vocab;
  }
}

TEST(TokenShard, EmptyShardAndEmptyDocuments) {
  TempDir dir;
  {
    TokenShardWriter writer(dir / "e.tok", 256, "");
    writer.add_document({});
    writer.finish();
  }
  TokenShardReader reader(dir / "e.tok");
  EXPECT_EQ(reader.num_documents(), 1u);
  EXPECT_EQ(reader.num_tokens(), 0u);
  EXPECT_EQ(reader.document_range(0), std::make_pair(std::uint64_t{0}, std::uint64_t{0}));
  EXPECT_THROW(reader.document_range(1), Error);
}

TEST(TokenShard, NothingUnderTheFinalNameUntilFinish) {
  TempDir dir;
  {
    TokenShardWriter writer(dir / "x.tok", 1000, "h");
    const std::vector<std::uint32_t> doc = {1, 2, 3};
    writer.add_document(doc);
    EXPECT_FALSE(std::filesystem::exists(dir / "x.tok"));
  }  // destroyed without finish: no file, no temporary left behind
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(TokenShard, TokenAtOrAboveVocabSizeIsAnError) {
  TempDir dir;
  TokenShardWriter writer(dir / "v.tok", 100, "h");
  const std::vector<std::uint32_t> doc = {5, 100};
  try {
    writer.add_document(doc);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(">= the vocab size 100"), std::string::npos) << e.what();
  }
}

class DamagedShard : public ::testing::Test {
 protected:
  void SetUp() override {
    TokenShardOptions options;
    options.frame_tokens = 500;
    write_shard(dir_ / "good.tok", make_docs(50, 50257, 7), 50257, options);
    bytes_ = read_bytes(dir_ / "good.tok");
  }
  std::string expect_error(const std::string& bytes, bool verify = false) {
    sluice::test::write_text(dir_ / "bad.tok", bytes);
    try {
      TokenShardReader reader(dir_ / "bad.tok");
      if (verify) reader.verify();
    } catch (const Error& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("bad.tok"), std::string::npos) << message;
      return message;
    }
    ADD_FAILURE() << "no error";
    return "";
  }
  TempDir dir_;
  std::string bytes_;
};

TEST_F(DamagedShard, Truncated) {
  EXPECT_NE(expect_error(bytes_.substr(0, bytes_.size() - 10)).find("truncated"), std::string::npos);
  EXPECT_NE(expect_error(bytes_.substr(0, 100)).find("truncated"), std::string::npos);
}

TEST_F(DamagedShard, WrongMagic) {
  std::string bad = bytes_;
  bad[0] = 'X';
  EXPECT_NE(expect_error(bad).find("wrong magic"), std::string::npos);
}

TEST_F(DamagedShard, FrameChecksumMismatch) {
  std::string bad = bytes_;
  bad[200] = static_cast<char>(bad[200] ^ 0x40);  // inside the first frame's compressed bytes
  const std::string message = expect_error(bad, true);
  EXPECT_NE(message.find("frame 0"), std::string::npos) << message;
}

TEST_F(DamagedShard, IndexChecksumMismatch) {
  std::string bad = bytes_;
  bad[bad.size() - 64 - 3] = static_cast<char>(bad[bad.size() - 64 - 3] ^ 1);  // last document offset
  EXPECT_NE(expect_error(bad).find("index checksum"), std::string::npos);
}

TEST_F(DamagedShard, NotAShardAtAll) {
  EXPECT_NE(expect_error(std::string(4096, 'a')).find("wrong magic"), std::string::npos);
}

}  // namespace
}  // namespace sluice::tokenize
