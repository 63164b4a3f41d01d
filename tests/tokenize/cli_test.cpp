// End-to-end: the real `sluice` binary on small real inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "sluice/tokenize/token_shard.h"
#include "sluice/tokenize/tokenizer.h"
#include "test_support.h"
#include "tokenize_test_support.h"

namespace sluice::tokenize {
namespace {

using sluice::test::read_text;
using sluice::test::run;
using sluice::test::run_sluice;
using sluice::test::TempDir;
using sluice::test::write_text;

// Runs sluice with a file on stdin.
sluice::test::RunResult run_with_stdin(const std::vector<std::string>& args, const std::filesystem::path& input) {
  std::string command = std::string("exec '") + SLUICE_BINARY + "'";
  for (const auto& arg : args) command += " '" + arg + "'";
  command += " < '" + input.string() + "'";
  return run("/bin/sh", {"-c", command});
}

class TokenizeCli : public ::testing::Test {
 protected:
  // A small trained tokenizer (with EOS and FIM sentinels) shared by the tests below.
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::filesystem::create_directories(*dir_ / "docs");
    sluice::test::write_documents(*dir_ / "docs" / "part-00000.jsonl.zst", 120, 1);
    sluice::test::write_documents(*dir_ / "docs" / "part-00001.jsonl.zst", 80, 2);
    const auto r = run_sluice({"tokenizer", "train", "--in", (*dir_ / "docs").string(), "--vocab-size", "400", "--out",
                               (*dir_ / "tok.json").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::vector<std::string> texts() {
    std::vector<std::string> all;
    for (const char* name : {"part-00000.jsonl.zst", "part-00001.jsonl.zst"}) {
      for (const auto& doc : sluice::test::read_documents(*dir_ / "docs" / name)) all.push_back(doc.text);
    }
    return all;
  }
  static TempDir* dir_;
};
TempDir* TokenizeCli::dir_ = nullptr;

TEST_F(TokenizeCli, TrainWritesALoadableTokenizerJson) {
  const Tokenizer t = Tokenizer::load(*dir_ / "tok.json");
  // 400 at most: this tiny corpus runs out of pairs seen twice before that.
  EXPECT_LE(t.vocab_size(), 400u);
  EXPECT_GT(t.vocab_size(), 300u);
  EXPECT_TRUE(t.special_id("<|endoftext|>").has_value());
  EXPECT_TRUE(t.special_id("<fim_middle>").has_value());
  Encoder encoder(t);
  const std::string text = texts().front();
  const auto ids = encoder.encode(text);
  EXPECT_EQ(t.decode(ids), text);
  EXPECT_LT(ids.size(), text.size() / 2) << "the merges learned nothing";
}

TEST_F(TokenizeCli, EncodeDecodeRoundTripThroughStdin) {
  TempDir dir;
  write_text(dir / "in.txt", "def f(x):\n    return x + 1  # é λ <|endoftext|>\n");
  const auto enc = run_with_stdin({"tokenizer", "encode", "--tokenizer", (*dir_ / "tok.json").string()}, dir / "in.txt");
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  const auto json = run_with_stdin({"tokenizer", "encode", "--tokenizer", (*dir_ / "tok.json").string(), "--json"},
                                   dir / "in.txt");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out.front(), '[');
  write_text(dir / "ids.txt", enc.out);
  const auto dec = run_with_stdin({"tokenizer", "decode", "--tokenizer", (*dir_ / "tok.json").string()}, dir / "ids.txt");
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, read_text(dir / "in.txt"));
  write_text(dir / "ids.json", json.out);
  const auto dec_json = run_with_stdin({"tokenizer", "decode", "--tokenizer", (*dir_ / "tok.json").string()}, dir / "ids.json");
  EXPECT_EQ(dec_json.out, read_text(dir / "in.txt"));
}

TEST_F(TokenizeCli, EncodeMatchesTiktokenVectorsForGpt2Directory) {
  if (test::gpt2_dir().empty()) GTEST_SKIP() << "no GPT-2 vocabulary";
  TempDir dir;
  write_text(dir / "in.txt", "hello world, this is a plain sentence.");
  const auto r = run_with_stdin({"tokenizer", "encode", "--tokenizer", test::gpt2_dir().string()}, dir / "in.txt");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "31373 995 11 428 318 257 8631 6827 13\n");
}

TEST_F(TokenizeCli, DecodeRejectsUnknownIds) {
  TempDir dir;
  write_text(dir / "ids.txt", "1 2 99999\n");
  const auto r = run_with_stdin({"tokenizer", "decode", "--tokenizer", (*dir_ / "tok.json").string()}, dir / "ids.txt");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("99999"), std::string::npos) << r.err;
}

TEST_F(TokenizeCli, MissingTokenizerIsAClearError) {
  const auto r = run_sluice({"tokenize", "--in", (*dir_ / "docs").string(), "--tokenizer", "/nonexistent/tok.json", "--out",
                             (*dir_ / "never").string()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/tok.json"), std::string::npos) << r.err;
}

// Every document comes back exactly once (EOS-terminated), split deterministically, shuffled by seed.
TEST_F(TokenizeCli, TokenizeWritesShuffledTrainAndValShards) {
  TempDir out;
  const Tokenizer t = Tokenizer::load(*dir_ / "tok.json");
  const std::uint32_t eos = *t.special_id("<|endoftext|>");
  auto tokenize = [&](const std::filesystem::path& where, const std::string& seed) {
    const auto r = run_sluice({"tokenize", "--in", (*dir_ / "docs").string(), "--tokenizer", (*dir_ / "tok.json").string(),
                               "--out", where.string(), "--fim-rate", "0", "--val-fraction", "0.2", "--seed", seed,
                               "--shard-tokens", "2000", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r;
  };
  const auto r = tokenize(out / "a", "7");
  EXPECT_NE(r.out.find("\"documents\": 200"), std::string::npos) << r.out;
  std::multiset<std::string> seen;
  std::vector<std::string> first_order;
  std::size_t shards = 0;
  for (const char* split : {"train", "val"}) {
    for (const auto& entry : std::filesystem::directory_iterator(out / "a" / split)) {
      ++shards;
      TokenShardReader reader(entry.path());
      reader.verify();
      EXPECT_EQ(reader.tokenizer_hash(), t.hash());
      std::vector<std::uint32_t> ids;
      for (std::uint64_t d = 0; d < reader.num_documents(); ++d) {
        const auto [b, e] = reader.document_range(d);
        reader.read_tokens(b, e, ids);
        ASSERT_FALSE(ids.empty());
        EXPECT_EQ(ids.back(), eos);
        ids.pop_back();
        seen.insert(t.decode(ids));
        if (std::string(split) == "train" && entry.path().filename() == "part-00000.tok") first_order.push_back(t.decode(ids));
      }
    }
  }
  EXPECT_GT(shards, 2u);
  const auto all = texts();
  EXPECT_EQ(seen, std::multiset<std::string>(all.begin(), all.end()));
  // Same seed: byte-identical output (a rerun is a no-op that keeps it).
  tokenize(out / "b", "7");
  EXPECT_EQ(sluice::test::tree_digest(out / "a"), sluice::test::tree_digest(out / "b"));
  const auto again = tokenize(out / "b", "7");
  EXPECT_NE(again.out.find("\"reused\": true"), std::string::npos) << again.out;
  // Another seed: same split, different order.
  tokenize(out / "c", "8");
  auto split_tokens = [](const std::filesystem::path& dir) {
    std::uint64_t tokens = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) tokens += TokenShardReader(entry.path()).num_tokens();
    return tokens;
  };
  EXPECT_EQ(split_tokens(out / "a" / "val"), split_tokens(out / "c" / "val"));
  EXPECT_NE(sluice::test::tree_digest(out / "a" / "train"), sluice::test::tree_digest(out / "c" / "train"));
}

TEST_F(TokenizeCli, FimRearrangesEveryDocumentLosslessly) {
  TempDir out;
  const Tokenizer t = Tokenizer::load(*dir_ / "tok.json");
  const auto r = run_sluice({"tokenize", "--in", (*dir_ / "docs").string(), "--tokenizer", (*dir_ / "tok.json").string(),
                             "--out", out.path().string(), "--fim-rate", "1", "--val-fraction", "0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"fim_documents\": 200"), std::string::npos) << r.out;
  const std::uint32_t pre = *t.special_id("<fim_prefix>");
  const std::uint32_t mid = *t.special_id("<fim_middle>");
  const std::uint32_t suf = *t.special_id("<fim_suffix>");
  TokenShardReader reader(out / "train" / "part-00000.tok");
  std::multiset<std::string> seen;
  std::size_t spm = 0;
  std::vector<std::uint32_t> ids;
  for (std::uint64_t d = 0; d < reader.num_documents(); ++d) {
    const auto [b, e] = reader.document_range(d);
    reader.read_tokens(b, e, ids);
    ASSERT_EQ(ids.front(), pre);
    const auto s = std::find(ids.begin(), ids.end(), suf);
    const auto m = std::find(ids.begin(), ids.end(), mid);
    ASSERT_TRUE(s != ids.end() && m != ids.end());
    std::string text;
    if (s == ids.begin() + 1) {  // SPM: pre suf SUFFIX mid PREFIX MIDDLE
      ++spm;
      text = t.decode(std::vector<std::uint32_t>(m + 1, ids.end() - 1)) + t.decode(std::vector<std::uint32_t>(s + 1, m));
    } else {  // PSM: pre PREFIX suf SUFFIX mid MIDDLE
      text = t.decode(std::vector<std::uint32_t>(ids.begin() + 1, s)) + t.decode(std::vector<std::uint32_t>(m + 1, ids.end() - 1)) +
             t.decode(std::vector<std::uint32_t>(s + 1, m));
    }
    seen.insert(text);
  }
  EXPECT_GT(spm, 50u);
  EXPECT_LT(spm, 150u);
  const auto all = texts();
  EXPECT_EQ(seen, std::multiset<std::string>(all.begin(), all.end()));
}

TEST_F(TokenizeCli, FimWithoutSentinelsIsAnError) {
  if (test::gpt2_dir().empty()) GTEST_SKIP() << "no GPT-2 vocabulary";
  TempDir out;
  const auto r = run_sluice({"tokenize", "--in", (*dir_ / "docs").string(), "--tokenizer", test::gpt2_dir().string(), "--out",
                             out.path().string(), "--fim-rate", "0.5"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("FIM sentinel"), std::string::npos) << r.err;
}

TEST_F(TokenizeCli, ShardInfoChecksEveryFrameAndExportWritesLlmc) {
  TempDir out;
  ASSERT_EQ(run_sluice({"tokenize", "--in", (*dir_ / "docs").string(), "--tokenizer", (*dir_ / "tok.json").string(), "--out",
                        out.path().string(), "--val-fraction", "0", "--frame-tokens", "512"})
                .exit_code,
            0);
  const auto shard = out / "train" / "part-00000.tok";
  const auto info = run_sluice({"shard-info", shard.string(), "--json"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("\"checksums_ok\": true"), std::string::npos) << info.out;
  // llm.c export: 1024-byte header with magic 20240520, then uint16 ids.
  const auto exported = run_sluice({"export", "--format", "llmc", "--in", shard.string(), "--out", (out / "x.bin").string()});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  const std::string bin = read_text(out / "x.bin");
  TokenShardReader reader(shard);
  ASSERT_EQ(bin.size(), 1024 + 2 * reader.num_tokens());
  std::int32_t header[3];
  std::memcpy(header, bin.data(), sizeof header);
  EXPECT_EQ(header[0], 20240520);
  EXPECT_EQ(header[1], 1);
  EXPECT_EQ(static_cast<std::uint64_t>(header[2]), reader.num_tokens());
  std::vector<std::uint32_t> ids;
  reader.read_tokens(0, 1, ids);
  EXPECT_EQ(static_cast<std::uint32_t>(static_cast<unsigned char>(bin[1024]) | (static_cast<unsigned char>(bin[1025]) << 8)),
            ids[0]);
  // Megatron export writes .bin + .idx.
  ASSERT_EQ(run_sluice({"export", "--format", "megatron", "--in", shard.string(), "--out", (out / "m").string()}).exit_code, 0);
  EXPECT_EQ(read_text(out / "m.idx").substr(0, 7), "MMIDIDX");
  // A damaged frame: shard-info fails with exit 1 and names the frame.
  std::string damaged = read_text(shard);
  damaged[300] = static_cast<char>(damaged[300] ^ 0x55);
  write_text(out / "bad.tok", damaged);
  const auto bad = run_sluice({"shard-info", (out / "bad.tok").string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("frame 0"), std::string::npos) << bad.err;
  write_text(out / "short.tok", damaged.substr(0, 50));
  const auto truncated = run_sluice({"shard-info", (out / "short.tok").string()});
  EXPECT_EQ(truncated.exit_code, 1);
  EXPECT_NE(truncated.err.find("truncated"), std::string::npos) << truncated.err;
}

}  // namespace
}  // namespace sluice::tokenize
