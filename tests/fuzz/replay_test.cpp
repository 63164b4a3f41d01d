// The fuzz targets, replayed on seeded mutations of valid inputs so every test run (under ASan and
// UBSan) exercises the error paths of the readers. scripts/fuzz runs them under libFuzzer.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "test_support.h"

namespace {

using Target = int (*)(const std::uint8_t*, std::size_t);

std::string mutate(std::string input, std::mt19937_64& random) {
  static const std::string kSpecial = "{}[]\":,\\\n \x00\xff\xc3\xa9u0123456789tfn-.eE";
  const int edits = 1 + static_cast<int>(random() % 8);
  for (int e = 0; e < edits && !input.empty(); ++e) {
    const std::size_t at = random() % input.size();
    switch (random() % 5) {
      case 0: input[at] = static_cast<char>(input[at] ^ (1 << (random() % 8))); break;
      case 1: input.erase(at, 1 + random() % 16); break;
      case 2: input.insert(at, 1, kSpecial[random() % kSpecial.size()]); break;
      case 3: input.resize(at); break;  // truncation
      default: input.insert(at, input.substr(random() % input.size(), random() % 32)); break;  // duplication
    }
  }
  return input;
}

void replay(Target target, const std::vector<std::string>& seeds, int iterations) {
  std::mt19937_64 random(20261125);
  for (const auto& seed : seeds) target(reinterpret_cast<const std::uint8_t*>(seed.data()), seed.size());
  for (int i = 0; i < iterations; ++i) {
    const std::string input = mutate(seeds[random() % seeds.size()], random);
    target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  }
}

}  // namespace

TEST(Fuzz, DocumentReaderSurvivesMutatedPlainCompressedAndGzippedInput) {
  const std::string lines =
      "{\"id\":\"a\",\"text\":\"def f():\\n\\treturn \\\"\\u00e9\\\"\\n\",\"source\":\"git\","
      "\"metadata\":{\"lang\":\"Python\",\"stars\":3,\"x\":[1,{\"y\":null}]},\"extra\":true}\n"
      "{\"id\":2,\"text\":\"\xce\xbb \\ud83d\\ude00\"}\n";
  sluice::test::TempDir dir;
  sluice::test::write_gzip(dir / "seed.gz", lines);
  replay(sluice::fuzz::document_reader,
         {lines, sluice::test::zstd_compress(lines), sluice::test::read_text(dir / "seed.gz")}, 2000);
}

TEST(Fuzz, ManifestReaderSurvivesMutatedInput) {
  const std::string manifest =
      "{\"format\":\"sluice-shard-set\",\"version\":1,\"stage\":\"x\",\"config_hash\":\"ab\",\"config\":{\"k\":[1]},"
      "\"shards\":[{\"name\":\"part-00000.jsonl.zst\",\"input\":\"in\",\"documents\":3,\"text_bytes\":9,"
      "\"bytes\":40,\"xxh3\":\"00\",\"config_hash\":\"cd\",\"complete\":true,\"counters\":{\"a\":1}}]}";
  replay(sluice::fuzz::manifest, {manifest}, 800);
}
