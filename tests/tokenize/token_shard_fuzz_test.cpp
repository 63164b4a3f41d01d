// The .tok reader on hostile bytes: each kind of damage the format guards against gives a clear
// sluice::Error, and seeded mutations of valid and damaged shards (the fuzz target, replayed under
// ASan and UBSan) never crash. scripts/fuzz runs the same target under libFuzzer.
#include <gtest/gtest.h>

#include <random>

#include "fuzz_token_shard.h"
#include "replay.h"
#include "sluice/core/error.h"
#include "sluice/tokenize/token_shard.h"
#include "test_support.h"

namespace sluice::tokenize {
namespace {

using fuzz::get_field;
using fuzz::set_field;
using fuzz::with_fixed_checksums;

constexpr std::size_t kFooterBytes = 64;

std::string make_shard(std::uint32_t vocab, std::uint32_t frame_tokens, bool planes, std::size_t docs, std::uint32_t seed) {
  sluice::test::TempDir dir;
  TokenShardOptions options;
  options.frame_tokens = frame_tokens;
  options.byte_planes = planes;
  {
    TokenShardWriter writer(dir / "seed.tok", vocab, "seed", options);
    std::mt19937 rng(seed);
    for (std::size_t d = 0; d < docs; ++d) {
      std::vector<std::uint32_t> tokens(rng() % 90);
      for (auto& t : tokens) t = static_cast<std::uint32_t>(rng() % vocab);
      writer.add_document(tokens);
    }
    writer.finish();
  }
  return sluice::test::read_text(dir / "seed.tok");
}

// The error that opening, reading every token and verifying `bytes` gives ("" when none).
std::string read_error(const std::string& bytes) {
  sluice::test::TempDir dir;
  sluice::test::write_text(dir / "bad.tok", bytes);
  try {
    const TokenShardReader reader(dir / "bad.tok");
    std::vector<std::uint32_t> tokens;
    reader.read_tokens(0, reader.num_tokens(), tokens);
    reader.verify();
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bad.tok"), std::string::npos) << message;
    return message;
  }
  return "";
}

#define EXPECT_READ_ERROR(bytes, fragment)                                                    \
  do {                                                                                        \
    const std::string message_ = read_error(bytes);                                           \
    EXPECT_NE(message_.find(fragment), std::string::npos) << "error: '" << message_ << "'"; \
  } while (0)

class HostileShard : public ::testing::Test {
 protected:
  // 40 documents in frames of 64 uint16 tokens.
  std::string good_ = make_shard(50257, 64, false, 40, 1);
  std::size_t footer_ = good_.size() - kFooterBytes;
  std::uint64_t tables_ = get_field(good_, footer_, 8);
  std::uint64_t frames_ = get_field(good_, footer_ + 8, 8);
};

TEST_F(HostileShard, ValidSeedReadsCleanly) { EXPECT_EQ(read_error(good_), ""); }

TEST_F(HostileShard, EveryTruncationIsAnError) {
  for (std::size_t size = 0; size < good_.size(); size += 5) {
    const std::string message = read_error(good_.substr(0, size));
    EXPECT_NE(message.find("truncated"), std::string::npos) << size << " bytes: " << message;
  }
}

TEST_F(HostileShard, WrongMagic) {
  std::string bad = good_;
  bad.replace(0, 8, "SLUICTOX");
  EXPECT_READ_ERROR(bad, "wrong magic");
  EXPECT_READ_ERROR(std::string(300, '\0'), "wrong magic");
}

TEST_F(HostileShard, ChecksumMismatchInAFrameAndInTheIndex) {
  std::string bad = good_;
  // Frame 1's checksum in the table no longer matches its content (the table itself is
  // consistent: its own checksum is recomputed). Damaged frame bytes: DamagedShard tests.
  set_field(bad, tables_ + 24 + 16, 8, get_field(bad, tables_ + 24 + 16, 8) ^ 1);
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "frame 1 at byte");
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "checksum mismatch");
  bad = good_;
  bad[tables_ + 3] = static_cast<char>(bad[tables_ + 3] ^ 4);
  EXPECT_READ_ERROR(bad, "index checksum mismatch");
  bad = good_;
  bad[100] = static_cast<char>(bad[100] ^ 4);
  EXPECT_READ_ERROR(bad, "header checksum mismatch");
}

TEST_F(HostileShard, TokenAtOrAboveTheVocabSize) {
  // The header claims a vocab of 1000 over ids up to 50256: the first id >= 1000 is named.
  std::string bad = good_;
  set_field(bad, 16, 4, 1000);
  EXPECT_READ_ERROR(with_fixed_checksums(bad), ">= vocab size 1000");
  // uint32 ids with planes: same check after the planes are undone.
  std::string wide = make_shard(100277, 50, true, 20, 2);
  set_field(wide, 16, 4, 70000);
  EXPECT_READ_ERROR(with_fixed_checksums(wide), ">= vocab size 70000");
}

TEST_F(HostileShard, LyingIndexOffsetsAndCounts) {
  std::string bad = good_;
  set_field(bad, footer_, 8, tables_ - 24);  // frame table said to start a frame entry early
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "footer offsets");
  bad = good_;
  set_field(bad, footer_ + 24, 8, 1ull << 40);  // 2^40 documents
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "footer offsets");
  bad = good_;
  set_field(bad, footer_ + 8, 8, ~0ull / 24);  // a frame count whose table would overflow
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "footer offsets");
  bad = good_;
  set_field(bad, tables_ + 24, 8, get_field(bad, tables_ + 24, 8) + 1);  // frame 1 offset
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "frame table entry 1");
  bad = good_;
  set_field(bad, tables_ + 8, 4, get_field(bad, tables_ + 8, 4) + 7);  // frame 0 compressed size
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "frame table entry 1");
  bad = good_;
  set_field(bad, footer_ + 32, 8, get_field(bad, footer_ + 32, 8) + 1);  // one token too many
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "do not add up");
  bad = good_;
  const std::uint64_t index = tables_ + frames_ * 24;
  set_field(bad, index + 8 * 5, 8, get_field(bad, index + 8 * 7, 8) + 1);  // document 5 starts after 6
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "not increasing at entry 6");
}

TEST_F(HostileShard, HeaderCannotAskForAHugeAllocation) {
  std::string bad = good_;
  set_field(bad, 20, 4, 0xFFFFFFFFu);  // 4 Gi tokens per frame
  EXPECT_READ_ERROR(with_fixed_checksums(bad), "frame size 4294967295 tokens");
  // One frame that claims 16 Mi tokens (the most a frame may hold) from a few hundred bytes.
  std::string one = make_shard(50257, 1u << 24, false, 5, 3);
  const std::size_t footer = one.size() - kFooterBytes;
  const std::uint64_t tables = get_field(one, footer, 8);
  set_field(one, tables + 12, 4, 1u << 24);
  set_field(one, footer + 32, 8, 1u << 24);
  set_field(one, one.size() - kFooterBytes - 8, 8, 1u << 24);  // last document ends there too
  EXPECT_READ_ERROR(with_fixed_checksums(one), "claims 16777216 tokens from");
}

// The seed corpus scripts/fuzz starts libFuzzer from: shards written by `sluice tokenize`
// (GPT-2 uint16 ids; cl100k uint32 ids in byte planes), each after the mode byte.
std::vector<std::string> committed_seeds() {
  std::vector<std::string> seeds;
  for (const char* name : {"gpt2-uint16.in", "cl100k-uint32-planes.in"}) {
    seeds.push_back(sluice::test::read_text(std::filesystem::path(SLUICE_SOURCE_DIR) / "tests/tokenize/data/fuzz-token-shard" / name));
  }
  return seeds;
}

TEST_F(HostileShard, CommittedSeedsAreValidShards) {
  for (const std::string& seed : committed_seeds()) {
    ASSERT_FALSE(seed.empty());
    EXPECT_EQ(read_error(seed.substr(1)), "");
  }
}

TEST_F(HostileShard, MutationsOfValidAndDamagedShardsNeverCrash) {
  std::vector<std::string> seeds = committed_seeds();
  for (const std::string& shard : {good_, make_shard(100277, 50, true, 12, 4), make_shard(300, 1000, false, 3, 5)}) {
    seeds.push_back("\x01" + shard);  // checksums recomputed after each mutation
    seeds.push_back(std::string(1, '\0') + shard);
  }
  std::string vocab = good_;
  set_field(vocab, 16, 4, 1000);
  seeds.push_back("\x01" + vocab);
  sluice::fuzz::replay(fuzz::token_shard_reader, seeds, 3000);
}

}  // namespace
}  // namespace sluice::tokenize
