// The labelled license set: repositories built from the SPDX list's own texts in the situations
// that break license detectors (dual licenses, comments, exceptions, two texts in one file, notes
// after a license, header-only licenses, subdirectories, no license).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>

#include "sluice/core/error.h"
#include "sluice/filter/license.h"
#include "test_support.h"

using namespace sluice::filter;
using sluice::test::TempDir;
using sluice::test::write_text;

namespace {

const std::string& spdx(const std::string& id) {
  static const auto texts = [] {
    std::map<std::string, std::string> out;
    simdjson::ondemand::parser parser;
    auto json = simdjson::padded_string::load(SLUICE_SPDX_JSON);
    auto doc = parser.iterate(json.value());
    for (auto field : doc.get_object()) {
      const std::string key(std::string_view(field.unescaped_key()));
      out[key] = std::string(std::string_view(field.value()["licenseText"].get_string()));
    }
    return out;
  }();
  return texts.at(id);
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

std::string mit() { return replace_all(replace_all(spdx("MIT"), "<year>", "2019"), "<copyright holders>", "Jane Doe"); }

// The linking exception as libgit2-style projects word it: "the authors" where the SPDX text says
// "the Free Software Foundation", "library" for "file".
std::string linking_exception() {
  return "In addition to the permissions in the GNU General Public License,\n"
         "the authors give you unlimited permission to link the compiled\n"
         "version of this library into combinations with other programs,\n"
         "and to distribute those combinations without any restriction\n"
         "coming from the use of this file.  (The General Public License\n"
         "restrictions do apply in other respects; for example, they cover\n"
         "modification of the file, and distribution when not linked into\n"
         "a combined executable.)\n";
}

std::string comment(const std::string& text, const std::string& open, const std::string& prefix, const std::string& close) {
  std::string out = open.empty() ? "" : open + "\n";
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += prefix + text.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out + (close.empty() ? "" : close + "\n");
}

// Re-wraps a text to `width` columns, as people do when they paste a license.
std::string rewrap(const std::string& text, std::size_t width) {
  std::string out, line;
  std::string word;
  auto flush_word = [&] {
    if (word.empty()) return;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
    word.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n' && i + 1 < text.size() && text[i + 1] == '\n') {
      flush_word();
      out += line + "\n\n";
      line.clear();
      ++i;
    } else if (c == ' ' || c == '\n') {
      flush_word();
    } else {
      word += c;
    }
  }
  flush_word();
  return out + line + "\n";
}

struct Case {
  std::string name;
  std::map<std::string, std::string> files;
  std::string expected;
  std::string all = "";  // RepoLicense::all when it differs from `expected`
};

std::vector<Case> labelled_set() {
  const std::string code = "#include <stdio.h>\nint main(void) { return 0; }\n";
  return {
      {"mit", {{"LICENSE", mit()}}, "MIT"},
      {"mit-titled-md", {{"LICENSE.md", "# The MIT License (MIT)\n\n" + mit()}}, "MIT"},
      {"apache", {{"LICENSE", spdx("Apache-2.0")}}, "Apache-2.0"},
      {"apache-without-appendix",
       {{"LICENSE.txt", spdx("Apache-2.0").substr(0, spdx("Apache-2.0").find("APPENDIX"))}}, "Apache-2.0"},
      {"dual-rust", {{"LICENSE-MIT", mit()}, {"LICENSE-APACHE", spdx("Apache-2.0")}}, "Apache-2.0 OR MIT"},
      {"bsd3-in-c-comment", {{"LICENSE", comment(spdx("BSD-3-Clause"), "/*", " * ", " */")}}, "BSD-3-Clause"},
      {"bsd3-rewrapped-hash-comments", {{"COPYING", comment(rewrap(spdx("BSD-3-Clause"), 60), "", "# ", "")}}, "BSD-3-Clause"},
      {"gpl2-classpath", {{"COPYING", spdx("GPL-2.0-with-classpath-exception")}}, "GPL-2.0-only WITH Classpath-exception-2.0"},
      {"two-bsd-in-one-file",
       {{"LICENSE", spdx("BSD-2-Clause") + "\n\n--- third_party/zlib-ng ---\n\n" + spdx("BSD-3-Clause")}},
       "BSD-2-Clause", "BSD-2-Clause AND BSD-3-Clause"},
      {"mit-then-note",
       {{"LICENSE", mit() + "\n\nThe logo in docs/ is a trademark of Jane Doe and is not covered by this license; "
                            "ask before using it. Contributions are accepted under the same terms.\n"}},
       "MIT"},
      {"mit-then-third-party-apache",
       {{"LICENSE", mit() + "\n\nThis project bundles libfoo, which is distributed under the following terms:\n\n" +
                        spdx("Apache-2.0")}},
       "MIT", "MIT AND Apache-2.0"},
      {"gpl2-linking-exception-before-the-text",
       {{"COPYING", "Note that the only valid version of the GPL as far as this project is concerned is this one.\n\n"
                    "                LINKING EXCEPTION\n\n" + linking_exception() + "\n\n" + spdx("GPL-2.0-only") +
                    "\n\nThe bundled zlib code is licensed under the zlib license:\n\n" + spdx("Zlib")}},
       "GPL-2.0-only WITH GCC-exception-2.0", "GPL-2.0-only WITH GCC-exception-2.0 AND Zlib"},
      {"identifier-in-license-file",
       {{"LICENCE.md", "PCRE-like Licence\n=====\n\n| SPDX-License-Identifier: | BSD-3-Clause WITH PCRE2-exception |\n"
                       "|---|---|\n\nReleased under the BSD licence below, with one exemption.\n\n" + spdx("BSD-3-Clause") +
                       "\n\nEXEMPTION\n\nThe second condition does not apply all the way down a chain of software.\n"}},
       "BSD-3-Clause WITH PCRE2-exception"},
      {"mit-statement-then-bundled-texts",
       {{"license.txt", "Tencent-like preamble. The source code is licensed under the MIT License, except for the "
                        "third-party components listed below.\n\nOther dependencies and licenses:\n\n" + spdx("BSD-3-Clause") +
                        "\n\nTerms of the JSON License:\n\n" + spdx("JSON") + "\n\nTerms of the MIT License:\n\n" + mit()}},
       "MIT", "MIT AND BSD-3-Clause AND JSON"},
      {"gpl-or-lgpl-or-later-statement",
       {{"LICENSE.GPL", spdx("GPL-2.0-only")}, {"LICENSE.LGPL", spdx("LGPL-2.1-only")},
        {"Copyright", "tool as a whole is licensed under the GNU General Public License GPL version 2\nor later "
                      "by default; the library is LGPLv2.1+ when built without the GPL files.\n"}},
       "GPL-2.0-or-later OR LGPL-2.1-or-later"},
      {"license-only-in-header", {{"src/main.c", comment(mit(), "/*", " * ", " */") + code}}, "MIT"},
      {"spdx-identifiers", {{"src/a.rs", "// SPDX-License-Identifier: MIT OR Apache-2.0\nfn main() {}\n"}}, "MIT OR Apache-2.0"},
      {"apache-notice-header",
       {{"src/A.java", "/*\n * Copyright 2020 Foo\n *\n * Licensed under the Apache License, Version 2.0 (the \"License\");\n"
                       " * you may not use this file except in compliance with the License.\n */\nclass A {}\n"}},
       "Apache-2.0"},
      {"subdir-under-another-license",
       {{"LICENSE", mit()}, {"vendor/gnu/COPYING", spdx("GPL-3.0-or-later")}, {"vendor/gnu/x.c", code}},
       "MIT", "MIT AND GPL-3.0-only"},
      {"gpl-header-in-mit-repo",
       {{"LICENSE", mit()},
        {"src/x.c", "/* This program is free software; you can redistribute it and/or modify it under the terms of\n"
                    " * the GNU General Public License as published by the Free Software Foundation; either\n"
                    " * version 2 of the License, or (at your option) any later version. */\n" + code}},
       "MIT", "MIT AND GPL-2.0-or-later"},
      {"lgpl-with-gpl", {{"COPYING", spdx("GPL-3.0-or-later")}, {"COPYING.LESSER", spdx("LGPL-3.0-or-later")}}, "LGPL-3.0-only"},
      {"unlicense", {{"UNLICENSE", spdx("Unlicense")}}, "Unlicense"},
      {"isc", {{"LICENSE", spdx("ISC")}}, "ISC"},
      {"mpl2", {{"LICENSE", spdx("MPL-2.0")}}, "MPL-2.0"},
      {"agpl3", {{"LICENSE", spdx("AGPL-3.0-or-later")}}, "AGPL-3.0-only"},
      {"readme-only", {{"README.md", "# tool\n\nDoes things.\n\n## License\n\nReleased under the MIT License.\n"}, {"a.py", "x=1\n"}}, "MIT"},
      {"readme-dual", {{"README.md", "# tool\n\n## License\n\nLicensed under either of Apache License, Version 2.0 or MIT license at your option.\n"}}, "Apache-2.0 OR MIT"},
      {"no-license", {{"main.py", "print('hello')\n"}, {"README.md", "# hello\nA tool.\n"}}, "NONE"},
      {"unknown-license-text",
       {{"LICENSE", "You may look at this code but you may not run it, copy it, or show it to anyone else. All "
                    "other uses need written permission from the author.\n"}},
       "NOASSERTION"},
      {"bsd3-filled-in",
       {{"LICENSE", replace_all(replace_all(spdx("BSD-3-Clause"), "<year>", "2001"), "<owner>", "The Regents")}}, "BSD-3-Clause"},
      {"zlib", {{"LICENSE", spdx("Zlib")}}, "Zlib"},
      {"bsl", {{"LICENSE_1_0.txt", spdx("BSL-1.0")}}, "BSL-1.0"},
      {"cc0", {{"LICENSE", spdx("CC0-1.0")}}, "CC0-1.0"},
      {"epl2", {{"LICENSE", spdx("EPL-2.0")}}, "EPL-2.0"},
  };
}

}  // namespace

TEST(License, BundleHoldsTheSpdxList) {
  EXPECT_EQ(license_source_count(), 727u);
  EXPECT_GT(license_template_count(), 600u);
}

TEST(License, LabelledSetIsExactlyRight) {
  std::size_t right = 0;
  const auto cases = labelled_set();
  for (const auto& c : cases) {
    TempDir dir;
    for (const auto& [path, text] : c.files) {
      std::filesystem::create_directories((dir / path).parent_path());
      write_text(dir / path, text);
    }
    const auto result = detect_license_path(dir.path());
    EXPECT_EQ(result.spdx, c.expected) << c.name << "\n" << result.to_json();
    const auto all = c.all.empty() ? c.expected : c.all;
    EXPECT_EQ(result.all, all) << c.name << "\n" << result.to_json();
    right += result.spdx == c.expected && result.all == all;
  }
  std::printf("license accuracy: %zu / %zu exactly right\n", right, cases.size());
}

TEST(License, ExactTextHasFullConfidenceAndEveryCopyMatches) {
  const auto result = detect_license_text(spdx("Apache-2.0"));
  ASSERT_EQ(result.matches.size(), 1u);
  EXPECT_EQ(result.matches[0].spdx, "Apache-2.0");
  EXPECT_EQ(result.matches[0].method, "exact");
  EXPECT_DOUBLE_EQ(result.confidence(), 1.0);
}

TEST(License, ThresholdIsConfigurable) {
  // Half of the MIT text: no match at 0.9, none at 0.5 either as a whole...
  std::string text = mit();
  text = text.substr(0, text.size() * 2 / 3);
  EXPECT_TRUE(detect_license_text(text).matches.empty());
  LicenseOptions lenient;
  lenient.threshold = 0.6;
  const auto result = detect_license_text(text, lenient);
  ASSERT_FALSE(result.matches.empty());
  EXPECT_EQ(result.matches[0].spdx, "MIT");
}

TEST(License, SingleFileAndMissingPath) {
  TempDir dir;
  write_text(dir / "COPYING", spdx("GPL-2.0-only"));
  EXPECT_EQ(detect_license_path(dir / "COPYING").spdx, "GPL-2.0-only");
  EXPECT_THROW(detect_license_path(dir / "missing"), sluice::Error);
}

TEST(License, LicenseForFollowsDirectories) {
  TempDir dir;
  write_text(dir / "LICENSE", mit());
  std::filesystem::create_directories(dir / "third_party/lib");
  write_text(dir / "third_party/lib/LICENSE", spdx("BSD-3-Clause"));
  const auto result = detect_license_path(dir.path());
  EXPECT_EQ(result.license_for("src/a.c"), "MIT");
  EXPECT_EQ(result.license_for("third_party/lib/x.c"), "BSD-3-Clause");
  EXPECT_EQ(result.spdx, "MIT");
  EXPECT_EQ(result.all, "MIT AND BSD-3-Clause");
}

TEST(License, FileNames) {
  for (const char* yes : {"LICENSE", "LICENSE.md", "license.txt", "COPYING", "COPYING.LESSER", "LICENSE-MIT",
                          "MIT-LICENSE.txt", "UNLICENSE", "LICENCE", "copying3"}) {
    EXPECT_TRUE(is_license_file_name(yes)) << yes;
  }
  for (const char* no : {"license.go", "main.c", "licenses_test.py", "README.md", "unlicensed.rs"}) {
    EXPECT_FALSE(is_license_file_name(no)) << no;
  }
}

TEST(License, IdentifierLinesAreCanonicalised) {
  EXPECT_EQ(detect_file_header("/* SPDX-License-Identifier: GPL-2.0+ */\n").expression(), "GPL-2.0-or-later");
  EXPECT_EQ(detect_file_header("# SPDX-License-Identifier: (MIT OR Apache-2.0)\n").expression(), "(MIT OR Apache-2.0)");
  EXPECT_EQ(detect_file_header("int x; // no license here\n").expression(), "NONE");
}

// A header's license ends with its last paragraph that has a license word: the file's own
// description below it ("// Google Test - ...", after a blank line) is not part of the text
// matched, so it neither lowers the confidence nor makes each file's header a new text.
TEST(License, HeaderEndsWithItsLastLicenseParagraph) {
  std::string header;
  for (std::size_t start = 0; start < mit().size();) {
    auto end = mit().find('\n', start);
    if (end == std::string::npos) end = mit().size();
    header += "// " + mit().substr(start, end - start) + "\n";
    start = end + 1;
  }
  const auto bare = detect_file_header(header + "\nint x;\n");
  ASSERT_EQ(bare.expression(), "MIT");
  for (const char* description : {"// Parses the options of the command line and keeps them in one place.\n//\n// See main.c.\n",
                                  "// The printer: how values of any type become text, for messages about failed tests.\n"}) {
    const auto described = detect_file_header(header + "\n" + description + "\nint x;\n");
    EXPECT_EQ(described.expression(), "MIT") << description;
    EXPECT_DOUBLE_EQ(described.confidence(), bare.confidence()) << description;
  }
  // A license paragraph after the blank line still belongs to the header (copyright, then terms).
  const auto split = detect_file_header("// Copyright 2020 The Authors\n\n" + header + "\nint x;\n");
  EXPECT_EQ(split.expression(), "MIT");
}

// Paragraphs of a license without a license word of their own (zlib's conditions, ISC's
// disclaimer) belong to it when they are in the same block comment or separated by marker-only
// lines: only a blank line between comments starts a new group.
TEST(License, HeaderKeepsLicenseParagraphsWithoutLicenseWords) {
  const auto block = [](const std::string& text) {
    std::string out = "/* example.h -- what this file does\n\n";
    for (std::size_t start = 0; start < text.size();) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      out += "  " + text.substr(start, end - start) + "\n";
      start = end + 1;
    }
    return out + "*/\n\n#include <stdio.h>\n";
  };
  const auto lines = [](const std::string& text, const std::string& marker) {
    std::string out;
    for (std::size_t start = 0; start < text.size();) {
      auto end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      const auto line = text.substr(start, end - start);
      out += (line.empty() ? marker : marker + " " + line) + "\n";
      start = end + 1;
    }
    return out + "\nint x;\n";
  };
  for (const char* id : {"Zlib", "ISC", "MIT", "BSD-3-Clause"}) {
    const auto text = replace_all(replace_all(spdx(id), "<year>", "2024"), "<copyright holders>", "The Authors");
    for (const auto& header : {block(text), lines(text, "//"), lines(text, "#")}) {
      const auto result = detect_file_header(header);
      EXPECT_EQ(result.expression(), id) << header;
      EXPECT_GE(result.confidence(), 0.95) << header;
    }
  }
}

TEST(License, TreeWalkSkipsHiddenDirectoriesNodeModulesAndSymlinks) {
  TempDir dir;
  write_text(dir / "LICENSE", mit());
  for (const char* hidden : {".git/x.c", "node_modules/dep/index.js", "src/.cache/y.c"}) {
    std::filesystem::create_directories((dir / hidden).parent_path());
    write_text(dir / hidden, "/* SPDX-License-Identifier: GPL-3.0-only */\n");
  }
  write_text(dir / "src/a.c", "/* SPDX-License-Identifier: MIT */\nint a;\n");
  std::filesystem::create_symlink("/etc/passwd", dir / "src/link.c");
  const auto result = detect_license_path(dir.path());
  EXPECT_EQ(result.all, "MIT") << result.to_json();
  EXPECT_EQ(result.files_scanned, 2u) << result.to_json();  // LICENSE and src/a.c
}
