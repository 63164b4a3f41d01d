// End-to-end tests of the `sluice` binary: what a user sees on the command line.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include "sluice/core/shard_set.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

TEST(Cli, HelpListsEveryCommandWithOneLine) {
  const auto result = run_sluice({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"cat", "stats", "convert", "version"}) {
    EXPECT_NE(result.out.find(std::string("  ") + command), std::string::npos) << command << "\n" << result.out;
  }
}

TEST(Cli, NoCommandIsAnErrorWithUsage) {
  const auto result = run_sluice({});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("sluice --help"), std::string::npos) << result.err;
}

TEST(Cli, UnknownCommandSuggestsTheClosestOne) {
  const auto result = run_sluice({"stat", "x"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("unknown command 'stat'; did you mean 'stats'?"), std::string::npos) << result.err;
}

TEST(Cli, UnknownOptionIsAnError) {
  const auto result = run_sluice({"cat", "--bogus", "x"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--bogus"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("sluice cat --help"), std::string::npos) << result.err;
}

TEST(Cli, VersionNamesTheLinkedLibraries) {
  const auto result = run_sluice({"version"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* library : {"libgit2", "simdjson", "zstd", "xxhash", "libtorch"}) {
    EXPECT_NE(result.out.find(library), std::string::npos) << library << "\n" << result.out;
  }
  EXPECT_NE(result.out.find("commit"), std::string::npos);
}

// libgit2 and libarchive (and their Kerberos, TLS, SSH, XML and ICU dependencies), zstd, PCRE2,
// utf8proc and libdeflate are loaded on first use: a command that reads no repository, archive
// or shard does not pay for them at start.
TEST(Cli, LoadsGitArchiveAndJsonLibrariesOnlyForCommandsThatUseThem) {
  TempDir dir;
  write_text(dir / "LICENSE", "Permission to use, copy, modify, and/or distribute this software for any purpose is granted.\n");
  const auto loaded = [](const RunResult& result, const std::string& library) {
    return result.err.find("file=" + library) != std::string::npos;
  };
  const auto detect = run_sluice({"license", "detect", dir.path().string()}, {"LD_DEBUG=files"});
  ASSERT_EQ(detect.exit_code, 0) << detect.err;
  EXPECT_FALSE(loaded(detect, "libgit2")) << detect.err;
  EXPECT_FALSE(loaded(detect, "libarchive")) << detect.err;
  for (const char* library : {"libzstd", "libpcre2", "libutf8proc", "libdeflate", "libsimdjson"}) EXPECT_FALSE(loaded(detect, library)) << library;
  // ingest reads a documentation tarball through libarchive: loaded on its first call, and it works.
  std::filesystem::create_directories(dir / "docs");
  write_text(dir / "docs" / "guide.md", "# Guide\n\nHow to use it.\n");
  ASSERT_EQ(run("/bin/tar", {"-czf", (dir / "docs.tar.gz").string(), "-C", dir.path().string(), "docs"}).exit_code, 0);
  const auto ingest = run_sluice({"ingest", "--out", (dir / "out").string(), "--docs", (dir / "docs.tar.gz").string()}, {"LD_DEBUG=files"});
  ASSERT_EQ(ingest.exit_code, 0) << ingest.err.substr(ingest.err.size() > 4000 ? ingest.err.size() - 4000 : 0);
  EXPECT_TRUE(loaded(ingest, "libarchive"));
  // Every command but license loads simdjson before it runs (its tables are filled as it loads).
  EXPECT_TRUE(loaded(ingest, "libsimdjson"));
  const auto documents = run_sluice({"cat", (dir / "out").string()});
  EXPECT_EQ(std::count(documents.out.begin(), documents.out.end(), '\n'), 1) << documents.out << documents.err;
}

TEST(Cli, CatPrintsFiltersAndLimits) {
  TempDir dir;
  const auto docs = write_documents(dir / "a.jsonl.zst", 30);
  auto all = run_sluice({"cat", (dir / "a.jsonl.zst").string()});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(all.out, [&] {
    std::string expected;
    for (const auto& doc : docs) expected += doc.to_json() + "\n";
    return expected;
  }());
  const auto c_only = run_sluice({"cat", dir.path().string(), "--filter", "lang=C"});
  EXPECT_EQ(std::count(c_only.out.begin(), c_only.out.end(), '\n'), 10);
  const auto limited = run_sluice({"cat", dir.path().string(), "--limit", "3"});
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 3);
  const auto bad_filter = run_sluice({"cat", dir.path().string(), "--filter", "lang"});
  EXPECT_EQ(bad_filter.exit_code, 1);
  EXPECT_NE(bad_filter.err.find("KEY=VALUE"), std::string::npos);
}

TEST(Cli, StatsCountsBySourceLanguageAndLicense) {
  TempDir dir;
  write_documents(dir / "a.jsonl.zst", 30, 1);
  write_documents(dir / "b.jsonl.zst", 30, 2);
  const auto result = run_sluice({"stats", dir.path().string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"documents\": 60"), std::string::npos) << result.out;
  const auto c_entry = result.out.find("\"C\": {");
  ASSERT_NE(c_entry, std::string::npos) << result.out;
  EXPECT_EQ(result.out.find("\"documents\": 20", c_entry), result.out.find("\"documents\"", c_entry)) << result.out;
  const auto table = run_sluice({"stats", dir.path().string()});
  EXPECT_NE(table.out.find("60 documents"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("by lang:"), std::string::npos);
}

TEST(Cli, BadInputExitsOneNamingFileAndLine) {
  TempDir dir;
  write_text(dir / "x.jsonl", "{\"id\":\"1\",\"text\":\"ok\"}\n{\"id\":\"2\",\"text\":[1]}\n");
  const auto result = run_sluice({"convert", "--in", (dir / "x.jsonl").string(), "--out", (dir / "out").string()});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("x.jsonl:2: \"text\" is not a string"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / shard_name(0)));
}

TEST(Cli, MissingDirectoryIsAClearError) {
  const auto result = run_sluice({"stats", "/nonexistent/sluice/dir"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("/nonexistent/sluice/dir: no such file or directory"), std::string::npos) << result.err;
}

// A full disk in the middle of a shard: exit 1, the file named, no partial shard left.
TEST(Cli, WriteFailureMidwayLeavesNoPartialShard) {
  TempDir dir;
  write_documents(dir / "in.jsonl.zst", 3000, 5);
  const auto out = dir / "out";
  const auto result = run_sluice({"convert", "--in", (dir / "in.jsonl.zst").string(), "--out", out.string(), "--level", "1"},
                                 {"SLUICE_FAIL_WRITE_AFTER=20000"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(shard_name(0)), std::string::npos) << result.err;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(entry.path().filename().string().rfind("part-", 0), std::string::npos) << entry.path();
  }
  // And with room again, the same command finishes.
  EXPECT_EQ(run_sluice({"convert", "--in", (dir / "in.jsonl.zst").string(), "--out", out.string()}).exit_code, 0);
}

// The same with a real full filesystem, where this process may mount one (root, not in a jail).
TEST(Cli, RealFullFilesystemLeavesNoPartialShard) {
  TempDir dir;
  const auto small = dir / "small";
  std::filesystem::create_directories(small);
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=64k") != 0) GTEST_SKIP() << "cannot mount a tmpfs here";
  write_documents(dir / "in.jsonl.zst", 3000, 6);
  const auto result = run_sluice({"convert", "--in", (dir / "in.jsonl.zst").string(), "--out", (small / "out").string(), "--level", "1"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("No space left on device"), std::string::npos) << result.err;
  EXPECT_FALSE(std::filesystem::exists(small / "out" / shard_name(0)));
  bool temporary_left = false;
  for (const auto& entry : std::filesystem::directory_iterator(small / "out")) {
    temporary_left |= entry.path().string().find(".tmp-") != std::string::npos;
  }
  EXPECT_FALSE(temporary_left);
  ::umount(small.c_str());
}
