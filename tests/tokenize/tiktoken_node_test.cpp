// Ids against tiktoken itself (the npm package, run with Node.js at test time) for GPT-2, cl100k
// and o200k on the texts of the shared vectors, whole source files of this repository and fuzzed
// text: random Unicode, random bytes, and random words in o200k's letter-case classes.
#include <simdjson.h>
#include <utf8proc.h>

#include <cstdio>
#include <cstdlib>
#include <random>

#include "test_support.h"
#include "tokenize_test_support.h"

namespace sluice::tokenize {
namespace {

std::filesystem::path tiktoken_package() {
  const auto dir = std::filesystem::path(SLUICE_DATA_CACHE) / "tiktoken@1.0.22";
  if (!std::filesystem::exists(dir / "tiktoken.cjs") && !std::filesystem::exists(dir / "tiktoken.js")) return {};
  return dir;
}

// The full path of Node.js (the test runner spawns without a PATH search), or "".
std::string node_binary() {
  const auto found = sluice::test::run("/bin/sh", {"-c", "command -v node"});
  std::string path = found.exit_code == 0 ? found.out : "";
  while (!path.empty() && (path.back() == '\n' || path.back() == ' ')) path.pop_back();
  return path;
}

std::string random_unicode(std::mt19937& rng, std::size_t chars) {
  std::string out;
  auto r = [&rng] { return static_cast<std::uint32_t>(rng()); };
  for (std::size_t i = 0; i < chars; ++i) {
    std::uint32_t cp;
    const std::uint32_t kind = r() % 10;
    if (kind < 4) cp = 0x20 + r() % 0x5F;                      // ASCII printable
    else if (kind == 4) cp = static_cast<unsigned char>("\n\r\t  '"[r() % 6]);
    else if (kind < 7) cp = 0xA0 + r() % 0x2F60;               // Latin .. CJK symbols
    else if (kind < 9) cp = 0x3000 + r() % 0x7000;             // CJK
    else cp = 0x10000 + r() % 0x20000;                         // astral (emoji, historic scripts)
    if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
    // Only characters assigned in utf8proc's Unicode version (15.0 on Debian 12): tiktoken 1.0.22
    // uses Unicode 16 tables, so a code point that version newly made a letter splits differently.
    if (utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_CN) cp = 'y';
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  return out;
}

// Words built from the characters that o200k's first two alternatives tell apart: upper and
// lower case, title case (U+01C5), modifier letters (U+02B0), combining marks (U+0301), other
// letters (U+05D0), contractions in either case, digits, '/' and line breaks.
std::string random_cased_words(std::mt19937& rng, std::size_t pieces) {
  static const char* const kPieces[] = {"a", "b", "Z", "Q", "\xc7\x85", "\xca\xb0", "\xcc\x81", "\xd7\x90",
                                        "'s", "'S", "'ll", "'LL", "'Re", "'d", "'", " ", "  ", "\n", "\r\n",
                                        "/", "//", "1", "234", "\xc3\xa9", "\xc3\x89", "-", "_", "\t"};
  std::string out;
  for (std::size_t i = 0; i < pieces; ++i) out += kPieces[rng() % std::size(kPieces)];
  return out;
}

TEST(TiktokenNode, WholeFilesAndFuzzMatchTiktoken) {
  const auto package = tiktoken_package();
  const std::string node = node_binary();
  if (package.empty() || node.empty()) GTEST_SKIP() << "Node.js or the npm tiktoken package (scripts/setup) is missing";
  if (!test::gpt2() || !test::cl100k() || !test::o200k()) GTEST_SKIP() << "no vocabularies";
  sluice::test::TempDir dir;
  std::vector<std::string> files;
  // The 40 texts of the shared vectors (their GPT-2 and cl100k ids are checked in tokenizer_test).
  if (!test::vectors_dir().empty()) {
    for (const char* vectors : {"tiktoken-gpt2.json", "tiktoken-cl100k.json"}) {
      for (const test::Case& c : test::load_cases(vectors)) {
        const auto path = dir / (std::string(vectors) + "-" + c.name + ".txt");
        sluice::test::write_text(path, c.text);
        files.push_back(path.string());
      }
    }
  }
  // Whole files: this repository's own sources and documents.
  const std::filesystem::path root = SLUICE_SOURCE_DIR;
  for (const char* sub : {"tokenize/src", "core/src", "docs", "cli/commands"}) {
    for (const auto& entry : std::filesystem::directory_iterator(root / sub)) {
      if (entry.is_regular_file()) files.push_back(entry.path().string());
    }
  }
  // Fuzz: random Unicode, and random bytes (JavaScript turns invalid UTF-8 into U+FFFD; the
  // reference prints the text it encoded and we encode that same text).
  std::mt19937 rng(2024);
  for (int i = 0; i < 150; ++i) {
    const auto path = dir / ("unicode-" + std::to_string(i) + ".txt");
    sluice::test::write_text(path, random_unicode(rng, static_cast<std::size_t>(1 + rng() % 400)));
    files.push_back(path.string());
  }
  for (int i = 0; i < 50; ++i) {
    std::string bytes(static_cast<std::size_t>(1 + rng() % 400), ' ');
    for (char& b : bytes) b = static_cast<char>(rng() % 256);
    const auto path = dir / ("bytes-" + std::to_string(i) + ".bin");
    sluice::test::write_text(path, bytes);
    files.push_back(path.string());
  }
  for (int i = 0; i < 100; ++i) {
    const auto path = dir / ("cased-" + std::to_string(i) + ".txt");
    sluice::test::write_text(path, random_cased_words(rng, static_cast<std::size_t>(1 + rng() % 60)));
    files.push_back(path.string());
  }
  std::vector<std::string> args = {(root / "tests/tokenize/data/tiktoken_reference.js").string(), package.string()};
  args.insert(args.end(), files.begin(), files.end());
  const auto result = sluice::test::run(node, args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  struct Encoding {
    const char* name;
    const Tokenizer* tokenizer;
    Encoder encoder;
  };
  Encoding encodings[] = {{"gpt2", test::gpt2(), Encoder(*test::gpt2())},
                          {"cl100k", test::cl100k(), Encoder(*test::cl100k())},
                          {"o200k", test::o200k(), Encoder(*test::o200k())}};
  simdjson::dom::parser parser;
  std::size_t lines = 0;
  std::size_t start = 0;
  while (start < result.out.size()) {
    const std::size_t end = result.out.find('\n', start);
    const simdjson::padded_string line(std::string_view(result.out).substr(start, end - start));
    start = end + 1;
    simdjson::dom::element record = parser.parse(line);
    const std::string file(record["file"].get_string().value());
    const std::string text(record["text"].get_string().value());
    for (Encoding& encoding : encodings) {
      const char* name = encoding.name;
      std::vector<std::uint32_t> expected;
      for (simdjson::dom::element id : record[name].get_array()) expected.push_back(static_cast<std::uint32_t>(id.get_uint64().value()));
      const auto got = encoding.encoder.encode(text);
      if (got != expected) {
        std::size_t i = 0;
        while (i < got.size() && i < expected.size() && got[i] == expected[i]) ++i;
        const Tokenizer& t = *encoding.tokenizer;
        const std::size_t at = t.decode(std::vector<std::uint32_t>(expected.begin(), expected.begin() + static_cast<std::ptrdiff_t>(i))).size();
        std::string context;
        for (std::size_t k = at; k < std::min(text.size(), at + 24); ++k) {
          char hex[4];
          std::snprintf(hex, sizeof hex, "%02x ", static_cast<unsigned char>(text[k]));
          context += hex;
        }
        if (const char* keep = std::getenv("SLUICE_KEEP_FAILING")) sluice::test::write_text(std::string(keep) + "/" + name + ".txt", text);
        ADD_FAILURE() << name << " differs on " << file << " at byte " << at << ": " << context;
      }
    }
    ++lines;
  }
  EXPECT_EQ(lines, files.size());
}

}  // namespace
}  // namespace sluice::tokenize
