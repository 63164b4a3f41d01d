// The fuzz targets, replayed on seeded mutations of valid inputs so every test run (under ASan and
// UBSan) exercises the error paths of the readers. scripts/fuzz runs them under libFuzzer.
#include <gtest/gtest.h>

#include <string>

#include "fuzz_targets.h"
#include "replay.h"
#include "test_support.h"

using sluice::fuzz::replay;

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
