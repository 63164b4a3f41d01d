#include "corpus_generator.h"

#include <algorithm>
#include <random>

namespace sluice::test {
namespace {

const char* const kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "xe", "zu", "bor", "dan", "fel",
                                  "gim", "hop", "jel", "kur", "lan", "mop", "nix", "pra", "qui", "rex", "sol",
                                  "tan", "ulm", "vor", "wen", "yak", "zim", "ar", "be", "ci", "do", "eg", "fu"};

const char* const kMitHeader =
    "# Copyright (c) 2021 The Project Authors\n"
    "#\n"
    "# Permission is hereby granted, free of charge, to any person obtaining a copy of this software\n"
    "# and associated documentation files (the \"Software\"), to deal in the Software without restriction,\n"
    "# including without limitation the rights to use, copy, modify, merge, publish, distribute,\n"
    "# sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is\n"
    "# furnished to do so, subject to the following conditions: The above copyright notice and this\n"
    "# permission notice shall be included in all copies or substantial portions of the Software.\n";

class Generator {
 public:
  explicit Generator(std::uint64_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  std::string word() {
    std::string w;
    const std::size_t parts = 2 + pick(3);
    for (std::size_t i = 0; i < parts; ++i) w += kSyllables[pick(std::size(kSyllables))];
    return w;
  }

  std::string line(const std::vector<std::string>& names, const std::string& indent) {
    auto n = [&] { return names[pick(names.size())]; };
    auto num = [&] { return std::to_string(pick(1000)); };
    switch (pick(9)) {
      case 0: return indent + n() + " = " + n() + " + " + n() + "(" + n() + ", " + num() + ")\n";
      case 1: return indent + "if " + n() + " > " + num() + ":\n" + indent + "    " + n() + " = " + n() + "." + n() + "()\n";
      case 2: return indent + "for " + n() + " in range(" + num() + "):\n" + indent + "    " + n() + " += " + n() + "[" + n() + "] * " + num() + "\n";
      case 3: return indent + "# " + word() + " " + word() + " " + word() + " " + word() + "\n";
      case 4: return indent + n() + "." + n() + "(" + n() + ", \"" + word() + " " + word() + "\")\n";
      case 5: return indent + "while " + n() + " < " + num() + " and not " + n() + ":\n" + indent + "    " + n() + " = " + n() + " - " + num() + "\n";
      case 6: return indent + "return " + n() + "(" + n() + ") if " + n() + " else " + n() + "\n";
      case 7: return indent + n() + "[" + num() + "] = {\"" + word() + "\": " + n() + ", \"" + word() + "\": " + num() + "}\n";
      default: return indent + "self." + n() + " = " + n() + " or " + n() + "(" + num() + ")\n";
    }
  }

  // A document is a list of functions (kept apart so variants can reorder them).
  std::vector<std::string> functions() {
    std::vector<std::string> names(14);
    for (auto& name : names) name = word();
    std::vector<std::string> out(4 + pick(6));
    for (auto& function : out) {
      function = "def " + word() + "(" + names[pick(names.size())] + ", " + names[pick(names.size())] + "):\n";
      const std::size_t lines = 4 + pick(8);
      for (std::size_t i = 0; i < lines; ++i) function += line(names, "    ");
      function += "\n";
    }
    return out;
  }

  std::mt19937_64 rng_;
};

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += part;
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    const std::size_t stop = end == std::string::npos ? text.size() : end + 1;
    lines.push_back(text.substr(start, stop - start));
    start = stop;
  }
  return lines;
}

// Every whole-word occurrence of `from` becomes `to`.
std::string rename(const std::string& text, const std::string& from, const std::string& to) {
  std::string out;
  std::size_t i = 0;
  auto word_byte = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < text.size()) {
    if (text.compare(i, from.size(), from) == 0 && (i == 0 || !word_byte(text[i - 1])) &&
        (i + from.size() >= text.size() || !word_byte(text[i + from.size()]))) {
      out += to;
      i += from.size();
    } else {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

std::vector<GeneratedDoc> generate_corpus(std::size_t bases, std::size_t unrelated, std::uint64_t seed) {
  Generator g(seed);
  std::vector<GeneratedDoc> docs;
  const char* const licenses[] = {"MIT", "Apache-2.0", "", "GPL-3.0-only"};
  auto add = [&](std::string text, std::string kind, int base) {
    GeneratedDoc doc;
    doc.id = "doc-" + std::to_string(docs.size());
    doc.text = std::move(text);
    doc.kind = std::move(kind);
    doc.base = base;
    doc.license = licenses[g.pick(4)];
    doc.stars = static_cast<int>(g.pick(500));
    docs.push_back(std::move(doc));
  };
  for (std::size_t i = 0; i < unrelated; ++i) add(join(g.functions()), "unrelated", -1);
  for (std::size_t b = 0; b < bases; ++b) {
    const auto functions = g.functions();
    const std::string text = join(functions);
    const int base = static_cast<int>(docs.size());
    add(text, "base", -1);
    const std::size_t variants = 1 + g.pick(3);
    for (std::size_t v = 0; v < variants; ++v) {
      switch (g.pick(8)) {
        case 0: add(text, "exact", base); break;
        case 1: {  // whitespace: tabs for indents, blank lines, spaces inside brackets
          std::string out;
          for (const auto& line : split_lines(text)) {
            std::string l = line;
            if (l.rfind("    ", 0) == 0) l = "\t" + l.substr(4);
            for (std::size_t p = 0; (p = l.find('(', p)) != std::string::npos; p += 2) l.insert(p + 1, " ");
            out += l;
            if (g.uniform() < 0.2) out += "\n";
          }
          add(out, "whitespace", base);
          break;
        }
        case 2: {  // comments added and removed
          std::string out;
          for (const auto& line : split_lines(text)) {
            if (line.find('#') != std::string::npos && g.uniform() < 0.5) continue;
            out += line;
            if (g.uniform() < 0.08) out += "    # " + g.word() + " " + g.word() + "\n";
          }
          add(out, "comments", base);
          break;
        }
        case 3: add(kMitHeader + text, "license_header", base); break;
        case 4: {  // one identifier renamed everywhere
          const auto lines = split_lines(text);
          const std::string& first = lines[g.pick(lines.size())];
          const std::size_t start = first.find_first_not_of(" \t");
          std::string from;
          for (std::size_t p = start == std::string::npos ? 0 : start; p < first.size() && (std::isalnum(static_cast<unsigned char>(first[p])) || first[p] == '_'); ++p) from += first[p];
          if (from.empty() || from == "def" || from == "if" || from == "for" || from == "return" || from == "while" || from == "self") from = "range";
          add(rename(text, from, g.word()), "rename", base);
          break;
        }
        case 5:
        case 6: {  // a share of the lines edited: a few (near-duplicate) or many (just related)
          const double share = v % 2 == 0 ? 0.02 + 0.08 * g.uniform() : 0.15 + 0.45 * g.uniform();
          std::vector<std::string> names = {g.word(), g.word(), g.word()};
          std::string out;
          for (const auto& line : split_lines(text)) out += g.uniform() < share ? g.line(names, "    ") : line;
          add(out, share < 0.1 ? "edit_few" : "edit_many", base);
          break;
        }
        default: {  // functions reordered
          auto shuffled = functions;
          std::shuffle(shuffled.begin(), shuffled.end(), g.rng_);
          add(join(shuffled), "reorder", base);
          break;
        }
      }
    }
  }
  return docs;
}

}  // namespace sluice::test
