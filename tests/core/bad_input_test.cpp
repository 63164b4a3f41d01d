// Every kind of bad input gets an Error that names the file and, where there is one, the line.
#include <gtest/gtest.h>

#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/shard_set.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

std::string read_error(const std::filesystem::path& path) {
  try {
    read_documents(path);
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

const std::string kGood = "{\"id\":\"1\",\"text\":\"fine\"}\n";

}  // namespace

TEST(BadInput, TruncatedZstdIsAnErrorNotAShortRead) {
  TempDir dir;
  std::string lines;
  for (int i = 0; i < 2000; ++i) lines += "{\"id\":\"" + std::to_string(i) + "\",\"text\":\"some text " + std::to_string(i * 7919) + "\"}\n";
  const std::string compressed = zstd_compress(lines);
  write_text(dir / "cut.jsonl.zst", compressed.substr(0, compressed.size() / 2));
  const std::string message = read_error(dir / "cut.jsonl.zst");
  EXPECT_NE(message.find("cut.jsonl.zst"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(BadInput, TruncatedGzipIsAnError) {
  TempDir dir;
  write_gzip(dir / "whole.jsonl.gz", std::string(100000, ' ') + kGood);
  const std::string gz = read_text(dir / "whole.jsonl.gz");
  write_text(dir / "cut.jsonl.gz", gz.substr(0, gz.size() - 10));
  EXPECT_NE(read_error(dir / "cut.jsonl.gz").find("truncated gzip"), std::string::npos);
}

TEST(BadInput, CorruptZstdIsAnError) {
  TempDir dir;
  std::string compressed = zstd_compress(kGood + kGood);
  compressed[compressed.size() / 2] = static_cast<char>(compressed[compressed.size() / 2] ^ 0x5A);
  write_text(dir / "bad.jsonl.zst", compressed);
  EXPECT_NE(read_error(dir / "bad.jsonl.zst").find("bad.jsonl.zst"), std::string::npos);
}

TEST(BadInput, LineThatIsNotJsonNamesFileAndLine) {
  TempDir dir;
  write_text(dir / "x.jsonl", kGood + kGood + "this is not json\n" + kGood);
  const std::string message = read_error(dir / "x.jsonl");
  EXPECT_NE(message.find("x.jsonl:3:"), std::string::npos) << message;
}

TEST(BadInput, TrailingGarbageAfterTheObjectIsAnError) {
  TempDir dir;
  write_text(dir / "x.jsonl", "{\"id\":\"1\",\"text\":\"a\"} junk\n");
  EXPECT_NE(read_error(dir / "x.jsonl").find("x.jsonl:1:"), std::string::npos);
}

TEST(BadInput, RecordWithoutText) {
  TempDir dir;
  write_text(dir / "x.jsonl", kGood + "{\"id\":\"2\",\"source\":\"git\"}\n");
  const std::string message = read_error(dir / "x.jsonl");
  EXPECT_NE(message.find("x.jsonl:2: the record has no \"text\" field"), std::string::npos) << message;
}

TEST(BadInput, TextThatIsNotAString) {
  TempDir dir;
  write_text(dir / "x.jsonl", "{\"id\":\"1\",\"text\":42}\n");
  EXPECT_NE(read_error(dir / "x.jsonl").find("x.jsonl:1: \"text\" is not a string"), std::string::npos);
}

TEST(BadInput, InvalidUtf8InText) {
  TempDir dir;
  write_text(dir / "x.jsonl", kGood + "{\"id\":\"2\",\"text\":\"bad \xC3\x28 byte\"}\n");
  const std::string message = read_error(dir / "x.jsonl");
  EXPECT_NE(message.find("x.jsonl:2:"), std::string::npos) << message;
  EXPECT_NE(message.find("UTF-8"), std::string::npos) << message;
}

TEST(BadInput, LoneSurrogateEscapeInText) {
  TempDir dir;
  write_text(dir / "x.jsonl", "{\"id\":\"1\",\"text\":\"\\ud800 alone\"}\n");
  EXPECT_NE(read_error(dir / "x.jsonl").find("x.jsonl:1:"), std::string::npos);
}

TEST(BadInput, EmptyFile) {
  TempDir dir;
  write_text(dir / "empty.jsonl.zst", "");
  const std::string message = read_error(dir / "empty.jsonl.zst");
  EXPECT_NE(message.find("empty.jsonl.zst: empty file"), std::string::npos) << message;
}

TEST(BadInput, MissingPath) {
  TempDir dir;
  EXPECT_THROW(list_document_files(dir / "nope"), Error);
  EXPECT_NE(read_error(dir / "nope.jsonl").find("nope.jsonl"), std::string::npos);
}

TEST(BadInput, DirectoryWithoutDocuments) {
  TempDir dir;
  write_text(dir / "README", "hello");
  EXPECT_THROW(list_document_files(dir.path()), Error);
}

TEST(BadInput, CorruptManifestIsAnErrorThatSaysWhatToDo) {
  TempDir dir;
  write_text(dir / "manifest.json", "{\"shards\": [");
  try {
    Manifest::load(dir.path());
    FAIL() << "no error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("corrupt manifest"), std::string::npos);
  }
}
