// End-to-end: documentation directories, tarballs and zips.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include "git_fixture.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

const char* const kManPage = ".TH GREP 1\n.SH NAME\ngrep \\- print lines that match patterns\n";

// Writes a zip (or, with `tar`, a gzip-compressed tarball) holding `files`.
void write_archive(const std::filesystem::path& path, const std::map<std::string, std::string>& files, bool tar) {
  archive* a = archive_write_new();
  if (tar) {
    archive_write_set_format_pax_restricted(a);
    archive_write_add_filter_gzip(a);
  } else {
    archive_write_set_format_zip(a);
  }
  ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK);
  for (const auto& [name, content] : files) {
    archive_entry* entry = archive_entry_new();
    archive_entry_set_pathname(entry, name.c_str());
    archive_entry_set_size(entry, static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_entry_set_perm(entry, 0644);
    archive_write_header(a, entry);
    archive_write_data(a, content.data(), content.size());
    archive_entry_free(entry);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace

TEST(IngestDocs, DirectoryOfEveryDocumentationFormat) {
  TempDir dir;
  const auto docs = dir / "docs";
  std::filesystem::create_directories(docs / "man" / "man1");
  write_text(docs / "guide.md", "# Guide\n\nUse it.\n");
  write_text(docs / "api.rst", "API\n===\n");
  write_text(docs / "book.adoc", "= Book\n\nChapter.\n");
  write_text(docs / "NOTES.txt", "plain notes\n");
  write_text(docs / "CHANGES", "no extension\n");
  write_text(docs / "page.html", "<html><head><title>Page</title></head><body><p>Hello &amp; welcome</p></body></html>");
  write_text(docs / "man" / "man1" / "grep.1", kManPage);
  write_text(docs / "style.css", "body { margin: 0 }\n");
  write_text(docs / "old.txt", "caf\xe9\n");
  // A compressed man page as /usr/share/man keeps them.
  {
    archive* a = archive_write_new();
    archive_write_set_format_raw(a);
    archive_write_add_filter_gzip(a);
    archive_write_open_filename(a, (docs / "man" / "man1" / "ls.1.gz").c_str());
    archive_entry* entry = archive_entry_new();
    archive_entry_set_filetype(entry, AE_IFREG);
    archive_write_header(a, entry);
    const std::string page = ".TH LS 1\n.SH NAME\nls \\- list directory contents\n";
    archive_write_data(a, page.data(), page.size());
    archive_entry_free(entry);
    archive_write_close(a);
    archive_write_free(a);
  }
  std::filesystem::create_symlink("guide.md", docs / "link.md");

  TempDir out;
  const auto result = run_sluice({"ingest", "--out", out.path().string(), "--docs", docs.string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"not_docs\": 1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"not_utf8\": 1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"symlink\": 1"), std::string::npos) << result.out;
  const auto found = read_shard_set(out.path());
  std::map<std::string, std::string> langs;
  for (const auto& [path, doc] : found) {
    EXPECT_EQ(doc.source, "docs") << path;
    EXPECT_EQ(doc.metadata.get_string("repo"), docs.string());
    EXPECT_FALSE(doc.metadata.raw("commit").has_value());
    EXPECT_EQ(doc.metadata.get_string("blob")->size(), 40u);
    langs[path] = doc.metadata.get_string("lang").value_or("");
  }
  EXPECT_EQ(langs, (std::map<std::string, std::string>{{"CHANGES", "Text"},
                                                       {"NOTES.txt", "Text"},
                                                       {"api.rst", "reStructuredText"},
                                                       {"book.adoc", "AsciiDoc"},
                                                       {"guide.md", "Markdown"},
                                                       {"man/man1/grep.1", "Roff Manpage"},
                                                       {"man/man1/ls.1", "Roff Manpage"},
                                                       {"page.html", "HTML"}}));
  EXPECT_EQ(found.at("page.html").text, "Page\n\nHello & welcome\n");
  EXPECT_EQ(found.at("man/man1/grep.1").text, "GREP(1)\n\nNAME\ngrep - print lines that match patterns\n");
  EXPECT_EQ(found.at("man/man1/ls.1").text, "LS(1)\n\nNAME\nls - list directory contents\n");
  EXPECT_EQ(found.at("guide.md").text, "# Guide\n\nUse it.\n");
  // The blob id is git's, so documents from docs and from repositories dedup alike.
  EXPECT_EQ(found.at("guide.md").metadata.get_string("blob"), "69270195c8d308583ae8599c4d3beb4693e2b42a");
}

TEST(IngestDocs, TarballsAndZipsInsideAndAsInputs) {
  TempDir dir;
  write_archive(dir / "site.zip", {{"index.html", "<p>zip page</p>"}, {"img/logo.png", std::string("\x89PNG\0\0", 6)}}, false);
  write_archive(dir / "book.tar.gz", {{"./ch1.md", "# One\n"}, {"ch2.rst", "Two\n===\n"}}, true);
  std::filesystem::create_directories(dir / "tree");
  std::filesystem::copy_file(dir / "book.tar.gz", dir / "tree" / "inner.tgz");
  TempDir out;
  const auto result = run_sluice({"ingest", "--out", out.path().string(), "--docs", (dir / "site.zip").string(), "--docs",
                                  (dir / "book.tar.gz").string(), "--docs", (dir / "tree").string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"binary\": 1"), std::string::npos) << result.out;
  const auto found = read_shard_set(out.path());
  ASSERT_EQ(found.size(), 5u);
  EXPECT_EQ(found.at("index.html").text, "zip page\n");
  EXPECT_EQ(found.at("index.html").metadata.get_string("repo"), (dir / "site.zip").string());
  EXPECT_EQ(found.at("ch1.md").text, "# One\n");
  EXPECT_TRUE(found.count("inner.tgz/ch1.md"));
  EXPECT_TRUE(found.count("inner.tgz/ch2.rst"));
}

TEST(IngestDocs, BrokenArchiveAndMissingInputFailAlone) {
  TempDir dir;
  write_text(dir / "broken.tar.gz", "this is not gzip");
  write_text(dir / "ok.md", "# ok\n");
  TempDir out;
  const auto result = run_sluice({"ingest", "--out", out.path().string(), "--docs", (dir / "broken.tar.gz").string(), "--docs",
                                  (dir / "absent").string(), "--docs", (dir / "ok.md").string(), "--json"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.out.find("broken.tar.gz"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("no such file or directory"), std::string::npos) << result.out;
  const auto found = read_shard_set(out.path());
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found.begin()->first, "ok.md");
}

// A damaged file inside a documentation tree is skipped and counted; the rest of the tree is read.
// (An empty gzip member is valid: Debian ships 20-byte man pages.)
TEST(IngestDocs, ADamagedFileInADirectoryIsSkippedNotFatal) {
  sluice::test::TempDir dir;
  std::filesystem::create_directories(dir / "docs");
  sluice::test::write_text(dir / "docs" / "guide.md", "# Guide\n\nHow to use the tool.\n");
  sluice::test::write_gzip(dir / "docs" / "empty.1.gz", "");
  const std::string gz = [&] {
    sluice::test::write_gzip(dir / "whole.gz", ".TH TOOL 1\n.SH NAME\ntool \\- does things\n" + std::string(5000, 'x'));
    return sluice::test::read_text(dir / "whole.gz");
  }();
  sluice::test::write_text(dir / "docs" / "cut.1.gz", gz.substr(0, gz.size() / 2));
  const auto result = sluice::test::run_sluice({"ingest", "--out", (dir / "out").string(), "--docs", (dir / "docs").string(), "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"unreadable\": 1"), std::string::npos) << result.out;
  EXPECT_NE(result.err.find("cut.1.gz"), std::string::npos) << result.err;
  const auto docs = sluice::test::read_documents(dir / "out" / "part-00000.jsonl.zst");
  EXPECT_FALSE(docs.empty());
}
