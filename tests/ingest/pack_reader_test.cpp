// The pack reader (libdeflate inflate, delta chains) against libgit2 on real packs made by git,
// and its refusals of corrupt packs and hostile deltas.
#include "pack_reader.h"

#include <git2.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fuzz_pack.h"
#include "git_fixture.h"
#include "git_handles.h"
#include "replay.h"
#include "sluice/core/error.h"
#include "test_support.h"

namespace sluice::test {
namespace {

namespace fs = std::filesystem;
using ingest::apply_delta;
using ingest::PackReader;
using ingest::PackSet;

// Many similar files changed over several commits, packed with long delta chains.
fs::path make_delta_repo(const fs::path& dir) {
  std::map<std::string, std::string> files;
  std::string body;
  for (int line = 0; line < 200; ++line) body += "line " + std::to_string(line) + " of a file that changes a little\n";
  for (int f = 0; f < 12; ++f) files["src/f" + std::to_string(f) + ".txt"] = body + "file " + std::to_string(f) + "\n";
  files["empty.txt"] = "";
  make_repo(dir, files);
  for (int round = 0; round < 8; ++round) {
    for (auto& [path, text] : files) {
      if (text.empty()) continue;
      text.insert(text.size() / 2, "round " + std::to_string(round) + " in " + path + "\n");
    }
    commit_files(dir, files, "round " + std::to_string(round));
  }
  git(dir, {"repack", "-adfq", "--depth=50", "--window=250"});
  return dir / ".git" / "objects";
}

std::vector<std::string> all_objects(const fs::path& repo) {
  std::istringstream lines(git(repo, {"cat-file", "--batch-all-objects", "--batch-check=%(objectname)"}));
  std::vector<std::string> ids;
  for (std::string line; std::getline(lines, line);) ids.push_back(line);
  return ids;
}

git_oid oid_of(const std::string& hex) {
  git_oid oid;
  EXPECT_EQ(git_oid_fromstr(&oid, hex.c_str()), 0);
  return oid;
}

struct Libgit2 {
  git_repository* repo = nullptr;
  git_odb* odb = nullptr;
  explicit Libgit2(const fs::path& git_dir) {
    ingest::init_libgit2();
    EXPECT_EQ(git_repository_open_bare(&repo, git_dir.c_str()), 0);
    EXPECT_EQ(git_repository_odb(&odb, repo), 0);
  }
  ~Libgit2() {
    git_odb_free(odb);
    git_repository_free(repo);
  }
  std::pair<git_object_t, std::string> read(const git_oid& oid) const {
    git_odb_object* object = nullptr;
    EXPECT_EQ(git_odb_read(&object, odb, &oid), 0);
    std::pair<git_object_t, std::string> result{git_odb_object_type(object),
                                                std::string(static_cast<const char*>(git_odb_object_data(object)),
                                                            git_odb_object_size(object))};
    git_odb_object_free(object);
    return result;
  }
};

// Every object read through `reader` equals libgit2's bytes; returns how many the reader served.
std::size_t expect_same_as_libgit2(const fs::path& repo, const fs::path& git_dir, PackReader& reader) {
  Libgit2 lg(git_dir);
  std::size_t served = 0;
  for (const auto& hex : all_objects(repo)) {
    const git_oid oid = oid_of(hex);
    git_object_t type = GIT_OBJECT_INVALID;
    const auto data = reader.read(oid, &type);
    if (!data) continue;
    ++served;
    const auto [expected_type, expected] = lg.read(oid);
    EXPECT_EQ(type, expected_type) << hex;
    EXPECT_EQ(*data, expected) << hex;
    std::size_t size = 0;
    git_object_t header_type = GIT_OBJECT_INVALID;
    EXPECT_TRUE(reader.read_header(oid, size, header_type)) << hex;
    EXPECT_EQ(size, expected.size()) << hex;
    EXPECT_EQ(header_type, expected_type) << hex;
  }
  return served;
}

std::size_t delta_count(const fs::path& repo, const fs::path& idx) {
  std::istringstream lines(git(repo, {"verify-pack", "-v", idx.string()}));
  std::size_t deltas = 0;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.size() == 7 && words[0].size() == 40) ++deltas;
  }
  return deltas;
}

fs::path only_file(const fs::path& dir, const std::string& extension) {
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == extension) return entry.path();
  }
  throw std::runtime_error("no " + extension + " in " + dir.string());
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Catches the Error and returns its message ("" when nothing was thrown).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(PackReader, ReadsEveryObjectOfADeltaPackAsLibgit2Does) {
  TempDir dir;
  const auto objects = make_delta_repo(dir.path());
  const auto idx = only_file(objects / "pack", ".idx");
  ASSERT_GT(delta_count(dir.path(), idx), 50u) << "the fixture should make delta chains";
  PackSet packs(objects, "repo");
  ASSERT_EQ(packs.pack_count(), 1u);
  PackReader reader(packs);
  EXPECT_EQ(expect_same_as_libgit2(dir.path(), dir.path() / ".git", reader), all_objects(dir.path()).size());
  // A cache too small to hold anything: every base is inflated again, the bytes stay the same.
  PackReader uncached(packs, 1024);
  EXPECT_EQ(expect_same_as_libgit2(dir.path(), dir.path() / ".git", uncached), all_objects(dir.path()).size());
}

TEST(PackReader, ReadsRefDeltaPacks) {
  TempDir dir;
  const auto source = dir / "source";
  make_delta_repo(source);
  // pack-objects without --delta-base-offset names each delta's base by id (REF_DELTA).
  const auto bare = dir / "bare.git";
  git(dir.path(), {"init", "-q", "--bare", bare.string()});
  const std::string list = git(source, {"rev-list", "--objects", "--all"});
  TempDir scratch;
  write_text(scratch / "list", list);
  const auto pack_dir = bare / "objects" / "pack";
  const auto result = run("/bin/sh", {"-c", "cd '" + source.string() + "' && git pack-objects -q --window=250 --depth=50 '" +
                                                (pack_dir / "pack").string() + "' < '" + (scratch / "list").string() + "'"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto idx = only_file(pack_dir, ".idx");
  ASSERT_GT(delta_count(source, idx), 50u);
  // The pack really holds REF_DELTA entries (type 7 in the entry header's high bits).
  const std::string pack = read_bytes(fs::path(idx).replace_extension(".pack"));
  std::istringstream lines(git(source, {"verify-pack", "-v", idx.string()}));
  bool ref_delta = false;
  for (std::string line; std::getline(lines, line) && !ref_delta;) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.size() == 7) ref_delta = ((static_cast<unsigned char>(pack[std::stoul(words[4])]) >> 4) & 7u) == 7u;
  }
  ASSERT_TRUE(ref_delta);
  PackSet packs(bare / "objects", "bare");
  PackReader reader(packs);
  EXPECT_EQ(expect_same_as_libgit2(source, bare, reader), all_objects(source).size());
}

TEST(PackReader, ReadsObjectsAcrossSeveralPacks) {
  TempDir dir;
  const auto objects = make_delta_repo(dir.path());
  // Two more commits, each packed on its own (as two later fetches would be): three packs.
  for (int round = 0; round < 2; ++round) {
    commit_files(dir.path(), {{"more/r" + std::to_string(round) + ".txt", "round " + std::to_string(round) + "\n"}});
    git(dir.path(), {"repack", "-dq"});
  }
  PackSet packs(objects, "repo");
  ASSERT_EQ(packs.pack_count(), 3u);
  PackReader reader(packs);
  EXPECT_EQ(expect_same_as_libgit2(dir.path(), dir.path() / ".git", reader), all_objects(dir.path()).size());
}

TEST(PackReader, LeavesLooseObjectsToLibgit2) {
  TempDir dir;
  const auto objects = make_delta_repo(dir.path());
  commit_files(dir.path(), {{"new.txt", "a loose object\n"}});
  PackSet packs(objects, "repo");
  PackReader reader(packs);
  const std::string loose = git(dir.path(), {"rev-parse", "HEAD:new.txt"}).substr(0, 40);
  EXPECT_FALSE(reader.read(oid_of(loose)).has_value());
  std::size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  EXPECT_FALSE(reader.read_header(oid_of(loose), size, type));
  // A directory with no packs at all serves nothing and fails nothing.
  TempDir empty;
  PackSet none(empty.path(), "empty");
  EXPECT_EQ(none.pack_count(), 0u);
  PackReader nothing(none);
  EXPECT_FALSE(nothing.read(oid_of(loose)).has_value());
  // sluice ingest reads the loose blob through libgit2 and the packed ones through the reader.
  TempDir out;
  const auto ingest = run_sluice({"ingest", "--out", out.path().string(), dir.path().string()});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err;
  const auto documents = read_shard_set(out.path());
  ASSERT_TRUE(documents.contains("new.txt"));
  EXPECT_EQ(documents.at("new.txt").text, "a loose object\n");
  EXPECT_EQ(documents.at("src/f3.txt").text, read_text(dir / "src/f3.txt"));
}

TEST(PackReader, RefusesATruncatedPackByName) {
  TempDir dir;
  const auto objects = make_delta_repo(dir.path());
  const auto pack = only_file(objects / "pack", ".pack");
  const std::string bytes = read_bytes(pack);
  write_bytes(pack, bytes.substr(0, bytes.size() / 2));
  const std::string message = error_of([&] { PackSet packs(objects, "repo"); });
  EXPECT_NE(message.find("repo: " + pack.filename().string()), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  // The command fails for that repository (libgit2, which resolves HEAD first, finds no commit
  // in the refused pack) rather than crashing or reading half a repository.
  TempDir out;
  const auto ingest = run_sluice({"ingest", "--out", out.path().string(), dir.path().string()});
  EXPECT_NE(ingest.exit_code, 0);
  EXPECT_NE(ingest.err.find("FAILED " + dir.path().string()), std::string::npos) << ingest.err;
}

TEST(PackReader, RefusesAnIdxThatPointsPastThePack) {
  TempDir dir;
  const auto objects = make_delta_repo(dir.path());
  const auto idx = only_file(objects / "pack", ".idx");
  std::string bytes = read_bytes(idx);
  const std::uint32_t count = (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[8 + 255 * 4 + 2])) << 8) |
                              static_cast<unsigned char>(bytes[8 + 255 * 4 + 3]);
  ASSERT_GT(count, 0u);
  // The first object's 4-byte offset becomes 0x7fff0000, far past the end of this small pack.
  const std::size_t offsets = 8 + 256 * 4 + std::size_t{count} * 24;
  bytes.replace(offsets, 4, std::string("\x7f\xff\x00\x00", 4));
  write_bytes(idx, bytes);
  PackSet packs(objects, "repo");
  PackReader reader(packs);
  git_oid first;
  std::memcpy(first.id, bytes.data() + 8 + 256 * 4, 20);
  const std::string message = error_of([&] { reader.read(first); });
  EXPECT_NE(message.find("past the end of the pack"), std::string::npos) << message;
  // A large-offset slot that the table does not have.
  bytes.replace(offsets, 4, std::string("\x80\x00\x00\x05", 4));
  write_bytes(idx, bytes);
  PackSet again(objects, "repo");
  PackReader second(again);
  EXPECT_NE(error_of([&] { second.read(first); }).find("large offsets"), std::string::npos);
}

TEST(PackReader, RefusesCorruptEntryDataWithItsOffset) {
  TempDir dir;
  const auto objects = make_delta_repo(dir.path());
  const auto idx = only_file(objects / "pack", ".idx");
  const auto pack = fs::path(idx).replace_extension(".pack");
  // Flip bytes in the middle of every delta's data (the trailer stays the idx's checksum).
  std::string bytes = read_bytes(pack);
  std::istringstream lines(git(dir.path(), {"verify-pack", "-v", idx.string()}));
  std::vector<std::string> deltas;
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::vector<std::string> words;
    for (std::string word; fields >> word;) words.push_back(word);
    if (words.size() != 7) continue;
    const std::size_t offset = std::stoul(words[4]), in_pack = std::stoul(words[3]);
    for (std::size_t i = offset + in_pack / 2; i < offset + in_pack - 1; ++i) bytes[i] = static_cast<char>(bytes[i] ^ 0x5A);
    deltas.push_back(words[0]);
  }
  ASSERT_FALSE(deltas.empty());
  write_bytes(pack, bytes);
  PackSet packs(objects, "repo");
  PackReader reader(packs);
  for (const auto& hex : deltas) {
    const std::string message = error_of([&] { reader.read(oid_of(hex)); });
    EXPECT_NE(message.find("repo: " + pack.filename().string() + " at offset "), std::string::npos) << hex << ": " << message;
    std::size_t size = 0;
    git_object_t type = GIT_OBJECT_INVALID;
    const std::string header = error_of([&] { reader.read_header(oid_of(hex), size, type); });
    EXPECT_NE(header.find(" at offset "), std::string::npos) << hex << ": " << header;
  }
}

// ---------------------------------------------------------------------------------------------
// Hand-built packs: a delta that index-pack would refuse, which the reader must refuse too.

// A pack of a blob "base" (object 01) and an OFS_DELTA on it (object 02) carrying `delta`.
void write_hand_pack(const fs::path& objects, const std::string& base, const std::string& delta) {
  std::vector<std::uint32_t> offsets;
  const std::string pack = ingest::fuzz::hand_pack({{3, base}, {6, delta, 1}}, offsets);
  ingest::fuzz::write_hand_pack(objects, pack, offsets);
}

git_oid numbered(unsigned char n) {
  git_oid oid{};
  oid.id[0] = n;
  return oid;
}

TEST(PackReader, AppliesAHandBuiltDeltaAndRefusesAHostileOne) {
  const std::string base = "0123456789abcdefghij";
  // Source 20, target 9: copy 4 bytes at 10, insert "XYZ", copy 2 bytes at 0.
  const std::string good = std::string("\x14\x09\x91\x0a\x04\x03XYZ\x90\x02", 11);
  TempDir dir;
  write_hand_pack(dir / "objects", base, good);
  {
    PackSet packs(dir / "objects", "hand");
    PackReader reader(packs);
    git_object_t type = GIT_OBJECT_INVALID;
    EXPECT_EQ(reader.read(numbered(2), &type).value_or("none"), "abcdXYZ01");
    EXPECT_EQ(type, GIT_OBJECT_BLOB);
    EXPECT_EQ(reader.read(numbered(1)).value_or("none"), base);
    std::size_t size = 0;
    EXPECT_TRUE(reader.read_header(numbered(2), size, type));
    EXPECT_EQ(size, 9u);
    EXPECT_EQ(type, GIT_OBJECT_BLOB);
  }
  // The same pack with a copy from offset 18, size 4: two bytes past the end of the base.
  TempDir hostile;
  write_hand_pack(hostile / "objects", base, std::string("\x14\x04\x91\x12\x04", 5));
  PackSet packs(hostile / "objects", "hand");
  PackReader reader(packs);
  const std::string message = error_of([&] { reader.read(numbered(2)); });
  EXPECT_NE(message.find("hand: pack-hand.pack at offset "), std::string::npos) << message;
  EXPECT_NE(message.find("copies from outside its base"), std::string::npos) << message;
}

TEST(PackReader, RefusesHostileDeltas) {
  const std::string base = "0123456789";
  struct Case {
    std::string delta, error;
  };
  const std::vector<Case> cases = {
      {"", "cut short"},
      {std::string("\x0a", 1), "cut short"},
      {std::string("\x8a", 1), "cut short"},                                 // varint runs off the end
      {std::string("\x0b\x01\x01x", 4), "base of another size"},             // says the base has 11 bytes
      {std::string("\x0a\x02\x90\x0b", 4), "outside its base"},              // copies 11 bytes of 10
      {std::string("\x0a\x02\x91\x09\x02", 5), "outside its base"},          // copies [9, 11)
      {std::string("\x0a\x01\x02xy", 5), "past its declared size"},          // inserts 2 into 1
      {std::string("\x0a\x05\x03xy", 5), "cut short"},                       // insert of 3 with 2 bytes left
      {std::string("\x0a\x01\x00", 3), "reserved instruction"},              //
      {std::string("\x0a\x04\x01x", 4), "fewer bytes than declared"},        // declares 4, writes 1
      {std::string("\x0a\xff\xff\xff\xff\x0f\x01x", 8), "fewer bytes"},      // declares 4 GiB from 8 bytes
      {std::string("\x0a\x04\x91", 3), "cut short"},                         // copy whose offset byte is missing
      {std::string("\x0a\x02\xb0", 3), "cut short"},                         // copy whose size bytes are missing
      {std::string("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11), ""}, // a size past 64 bits
  };
  for (const auto& [delta, expected] : cases) {
    std::string out = "stale";
    const char* error = apply_delta(base, delta, out);
    ASSERT_NE(error, nullptr) << "delta of " << delta.size() << " bytes";
    EXPECT_NE(std::string(error).find(expected), std::string::npos) << error;
    EXPECT_TRUE(out.empty());
  }
  std::string out;
  EXPECT_EQ(apply_delta(base, std::string("\x0a\x06\x91\x07\x03\x03" "abc", 9), out), nullptr);
  EXPECT_EQ(out, "789abc");
  // A copy of size 0 means 0x10000 bytes.
  const std::string big(0x10000, 'b');
  EXPECT_EQ(apply_delta(big, std::string("\x80\x80\x04\x80\x80\x04\x80", 7), out), nullptr);
  EXPECT_EQ(out, big);
}

// The fuzz targets replayed: seeds of valid and hostile deltas and packs, then seeded mutations.
TEST(PackReaderFuzz, DeltaApplierSurvivesMutatedDeltas) {
  const std::string base = "0123456789abcdefghij";
  const auto input = [&](const std::string& delta) { return std::string{'\0', static_cast<char>(base.size())} + base + delta; };
  const std::vector<std::string> seeds = {input(std::string("\x14\x09\x91\x0a\x04\x03XYZ\x90\x02", 11)),
                                          input(std::string("\x14\x04\x91\x12\x04", 5)),
                                          input(std::string("\x14\x14\x80\x14", 4) + "")};
  sluice::fuzz::replay(ingest::fuzz::pack_delta, seeds, 20000);
}

TEST(PackReaderFuzz, PackReaderSurvivesMutatedPacks) {
  std::string text;
  for (int i = 0; i < 40; ++i) text += "line " + std::to_string(i) + "\n";
  const std::string edited = text.substr(0, 100) + "inserted\n" + text.substr(100);
  // edited from text: copy 100 bytes at 0, insert "inserted\n", copy the rest.
  std::string delta;
  const auto varint = [&](std::size_t v) {
    while (v >= 0x80) {
      delta += static_cast<char>(0x80 | (v & 0x7F));
      v >>= 7;
    }
    delta += static_cast<char>(v);
  };
  varint(text.size());
  varint(edited.size());
  delta += std::string("\x90\x64", 2) + "\x09" "inserted\n";
  delta += std::string("\x91\x64", 2) + static_cast<char>(text.size() - 100);
  std::string applied;
  ASSERT_EQ(apply_delta(text, delta, applied), nullptr);
  ASSERT_EQ(applied, edited);
  std::vector<std::string> seeds;
  std::vector<std::uint32_t> offsets;
  for (const auto& entries : std::vector<std::vector<ingest::fuzz::HandEntry>>{
           {{3, text}, {6, delta, 1}, {6, delta, 2}},  // a chain whose second step does not fit its base
           {{3, text}, {7, delta, 1}},                 // REF_DELTA on object 01
           {{3, text}, {2, "tree-ish"}, {1, ""}}}) {
    const std::string pack = ingest::fuzz::hand_pack(entries, offsets);
    seeds.push_back(ingest::fuzz::pack_reader_input(pack, offsets));
  }
  // The seeds themselves read as built.
  TempDir dir;
  const std::string pack = ingest::fuzz::hand_pack({{3, text}, {7, delta, 1}}, offsets);
  ingest::fuzz::write_hand_pack(dir / "objects", pack, offsets);
  PackSet packs(dir / "objects", "hand");
  PackReader reader(packs);
  EXPECT_EQ(reader.read(numbered(2)).value_or("none"), edited);
  sluice::fuzz::replay(ingest::fuzz::pack_reader, seeds, 1500);
}

}  // namespace
}  // namespace sluice::test
