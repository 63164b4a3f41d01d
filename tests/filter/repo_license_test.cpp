// License detection on real git repositories: a bare repository and a file:// URL read through
// the ingest stage's clone cache, several repositories at once, and `sluice filter` on an ingest
// output taking each document's license from repos.jsonl.zst (by repository and folder).
#include <gtest/gtest.h>

#include "git_fixture.h"
#include "sluice/core/documents.h"
#include "sluice/core/shard_set.h"
#include "test_support.h"

using namespace sluice::test;

namespace {

const std::string kMit =
    "MIT License\n\nCopyright (c) 2024 Jane Doe\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n"
    "of this software and associated documentation files (the \"Software\"), to deal\nin the Software without restriction, "
    "including without limitation the rights\nto use, copy, modify, merge, publish, distribute, sublicense, and/or sell\n"
    "copies of the Software, and to permit persons to whom the Software is\nfurnished to do so, subject to the following "
    "conditions:\n\nThe above copyright notice and this permission notice shall be included in all\ncopies or substantial "
    "portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\nIMPLIED, "
    "INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\nFITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. "
    "IN NO EVENT SHALL THE\nAUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\nLIABILITY, WHETHER IN AN "
    "ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\nOUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER "
    "DEALINGS IN THE\nSOFTWARE.\n";

// A GPL notice file in a subfolder: the folder's own terms, stricter than the root's.
const std::string kGplFolder =
    "This folder is free software; you can redistribute it and/or modify it under the terms of the\n"
    "GNU General Public License as published by the Free Software Foundation; either version 3 of\n"
    "the License, or (at your option) any later version.\n";

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

TEST(RepoLicense, DetectReadsBareRepositoriesAndUrlsThroughTheCloneCache) {
  TempDir dir;
  make_repo(dir / "work", {{"LICENSE", kMit}, {"src/main.c", "int main(void) { return 0; }\n"},
                           {"gnu/COPYING", kGplFolder}, {"gnu/x.c", "int x;\n"}});
  git(dir.path(), {"clone", "-q", "--bare", (dir / "work").string(), (dir / "bare.git").string()});
  const auto cache = (dir / "cache").string();

  auto r = run_sluice({"license", "detect", (dir / "bare.git").string(), "--cache", cache});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(first_line(r.out), "MIT");
  EXPECT_NE(r.err.find("GPL-3.0-or-later"), std::string::npos) << r.err;  // the folder's terms, in "all"

  r = run_sluice({"license", "detect", file_url(dir / "work"), "--cache", cache, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"spdx\":\"MIT\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"gnu\":\"GPL-3.0-or-later\""), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::is_empty(cache));  // the URL was cloned into the cache

  // Several repositories at once: one line each, in the order given; a missing one is reported
  // and the others still answered (exit 2).
  r = run_sluice({"license", "detect", (dir / "work").string(), (dir / "bare.git").string(), (dir / "missing").string(),
                  "--cache", cache});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "MIT\t" + (dir / "work").string() + "\nMIT\t" + (dir / "bare.git").string() + "\n");
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
}

TEST(RepoLicense, FilterTakesLicensesFromIngestOutputByRepositoryAndFolder) {
  TempDir dir;
  make_repo(dir / "mit", {{"LICENSE", kMit}, {"a.py", "def add(a, b):\n    return a + b\n"},
                          {"gnu/COPYING", kGplFolder}, {"gnu/b.py", "def sub(a, b):\n    return a - b\n"}});
  make_repo(dir / "none", {{"c.py", "def mul(a, b):\n    return a * b\n"}});
  auto r = run_sluice({"ingest", "--out", (dir / "ingested").string(), "--cache", (dir / "cache").string(),
                       (dir / "mit").string(), (dir / "none").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_sluice({"filter", "--in", (dir / "ingested").string(), "--out", (dir / "filtered").string(), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  std::map<std::string, sluice::Document> kept, rejected;
  for (const auto& [folder, into] : {std::pair{"filtered", &kept}, std::pair{"filtered/rejected", &rejected}}) {
    if (!std::filesystem::exists(dir / folder)) continue;
    for (const auto& file : sluice::list_document_files(dir / folder)) {
      for (auto& doc : read_documents(file)) (*into)[doc.metadata.get_string("path").value_or("")] = doc;
    }
  }
  ASSERT_TRUE(kept.count("a.py")) << r.out;
  EXPECT_EQ(kept["a.py"].metadata.get_string("license").value_or(""), "MIT");
  ASSERT_TRUE(rejected.count("gnu/b.py")) << r.out;  // the folder's GPL applies below it
  EXPECT_EQ(rejected["gnu/b.py"].metadata.get_string("license").value_or(""), "GPL-3.0-or-later");
  EXPECT_EQ(rejected["gnu/b.py"].metadata.get_string("rejected_by").value_or(""), "filter:license");
  ASSERT_TRUE(rejected.count("c.py"));  // no license anywhere: unlicensed, not kept by default
  EXPECT_EQ(rejected["c.py"].metadata.get_string("license").value_or(""), "NONE");
  EXPECT_NE(r.out.find("license:unlicensed"), std::string::npos) << r.out;
}
