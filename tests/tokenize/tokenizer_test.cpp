// Token ids against tiktoken's (vectors in ../shared/vectors), file formats, special tokens.
#include <simdjson.h>

#include <random>

#include "model.h"
#include "sluice/core/error.h"
#include "sluice/core/json.h"
#include "test_support.h"
#include "tokenize_test_support.h"

namespace sluice::tokenize {
namespace {

using test::cl100k;
using test::gpt2;

void expect_vectors(const Tokenizer* tokenizer, const std::string& file) {
  if (tokenizer == nullptr || test::vectors_dir().empty()) GTEST_SKIP() << "no vectors (../shared/vectors)";
  Encoder encoder(*tokenizer);
  const auto cases = test::load_cases(file);
  ASSERT_EQ(cases.size(), 20u);
  for (const test::Case& c : cases) {
    EXPECT_EQ(encoder.encode(c.text), c.ids) << c.name;
    EXPECT_EQ(tokenizer->decode(c.ids), c.text) << c.name;
  }
}

TEST(TokenizerVectors, Gpt2MatchesTiktoken) { expect_vectors(gpt2(), "tiktoken-gpt2.json"); }
TEST(TokenizerVectors, Cl100kMatchesTiktoken) { expect_vectors(cl100k(), "tiktoken-cl100k.json"); }

TEST(Tokenizer, VocabSizesAndSpecialsAsTiktoken) {
  if (!gpt2() || !cl100k()) GTEST_SKIP() << "no vocabularies";
  EXPECT_EQ(gpt2()->vocab_size(), 50257u);
  EXPECT_EQ(gpt2()->special_id("<|endoftext|>"), 50256u);
  EXPECT_EQ(cl100k()->vocab_size(), 100277u);
  EXPECT_EQ(cl100k()->special_id("<|fim_prefix|>"), 100258u);
}

TEST(Tokenizer, SpecialTextIsOrdinaryUnlessAllowed) {
  if (!gpt2()) GTEST_SKIP() << "no vocabularies";
  Encoder encoder(*gpt2());
  const std::string text = "a<|endoftext|>b";
  const auto ordinary = encoder.encode(text);
  EXPECT_EQ(std::count(ordinary.begin(), ordinary.end(), 50256u), 0);
  EXPECT_GT(ordinary.size(), 3u);
  const auto special = encoder.encode(text, true);
  ASSERT_EQ(special.size(), 3u);
  EXPECT_EQ(special[1], 50256u);
  EXPECT_EQ(gpt2()->decode(special), text);
}

TEST(Tokenizer, UserDefinedSpecialTokens) {
  if (!gpt2()) GTEST_SKIP() << "no vocabularies";
  Tokenizer t = *gpt2();
  const std::uint32_t fim = t.add_special_token("<fim_prefix>");
  EXPECT_EQ(fim, 50257u);
  EXPECT_EQ(t.vocab_size(), 50258u);
  EXPECT_EQ(t.add_special_token("<fim_prefix>"), fim);
  Encoder encoder(t);
  EXPECT_EQ(encoder.encode("<fim_prefix>x", true).front(), fim);
  EXPECT_NE(t.hash(), gpt2()->hash());
}

TEST(Tokenizer, LongPiecesStayExactAndFast) {
  if (!gpt2()) GTEST_SKIP() << "no vocabularies";
  Encoder encoder(*gpt2());
  // A 100 kB piece: one letter run, and base64-like noise. Quadratic merging would take minutes
  // under ASan; the heap path takes well under a second.
  const std::string run(100000, 'a');
  const auto ids = encoder.encode(run);
  EXPECT_EQ(gpt2()->decode(ids), run);
  std::string noise;
  std::uint32_t x = 12345;
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  for (int i = 0; i < 100000; ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(alphabet[(x >> 16) % 52]);
  }
  EXPECT_EQ(gpt2()->decode(encoder.encode(noise)), noise);
}

TEST(Tokenizer, HeapAndScanMergeAgree) {
  if (!cl100k()) GTEST_SKIP() << "no vocabularies";
  const TokenizerModel& model = cl100k()->model();
  std::mt19937 rng(5);
  const std::string alphabet = "aeinrst_ ";
  std::vector<std::uint32_t> scan;
  std::vector<std::uint32_t> heap;
  for (int i = 0; i < 3000; ++i) {
    std::string piece(1 + rng() % 64, ' ');
    for (char& ch : piece) ch = alphabet[rng() % alphabet.size()];
    bpe_bounds(model.table, piece, kNoRank, scan);
    bpe_bounds_heap(model.table, piece, kNoRank, heap);
    ASSERT_EQ(scan, heap) << piece;
  }
}

TEST(TokenizerFiles, HfJsonRoundTripBothMergeSpellings) {
  if (!gpt2()) GTEST_SKIP() << "no vocabularies";
  sluice::test::TempDir dir;
  const std::string json = gpt2()->to_hf_json();
  const Tokenizer pairs = Tokenizer::from_hf_json(json, "pairs.json");
  // Old spelling: "a b" strings. The writer puts merges last, so the file ends with them.
  const std::size_t at = json.find("\"merges\":[");
  ASSERT_NE(at, std::string::npos);
  std::string rewritten = json.substr(0, at) + "\"merges\":[";
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(json);
  bool first = true;
  for (simdjson::dom::element merge : parser.parse(padded)["model"]["merges"].get_array()) {
    simdjson::dom::array pair = merge.get_array();
    rewritten += (first ? "" : ",") + json_string(std::string(pair.at(0).get_string().value()) + " " +
                                                  std::string(pair.at(1).get_string().value()));
    first = false;
  }
  rewritten += "]}}\n";
  const Tokenizer strings = Tokenizer::from_hf_json(rewritten, "strings.json");
  Encoder a(*gpt2());
  Encoder b(pairs);
  Encoder c(strings);
  const std::string text = "def main(argv):\n    return sum(x ** 2 for x in argv)  # héllo wörld 12345\n";
  EXPECT_EQ(b.encode(text), a.encode(text));
  EXPECT_EQ(c.encode(text), a.encode(text));
  EXPECT_EQ(pairs.special_id("<|endoftext|>"), 50256u);
  EXPECT_EQ(pairs.vocab_size(), 50257u);
}

TEST(TokenizerFiles, BadFilesAreClearErrors) {
  sluice::test::TempDir dir;
  EXPECT_THROW(Tokenizer::load(dir / "missing.json"), Error);
  sluice::test::write_text(dir / "bad.json", "{\"model\":{\"type\":\"Unigram\"}}");
  EXPECT_THROW(Tokenizer::load(dir / "bad.json"), Error);
  sluice::test::write_text(dir / "bad.tiktoken", "!!!notbase64 0\n");
  try {
    Tokenizer::load(dir / "bad.tiktoken", "gpt2");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tiktoken:1:"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sluice::tokenize
