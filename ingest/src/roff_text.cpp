// roff man pages to readable text: the subset of man(7) and mdoc(7) that pages use for their
// words. Not a typesetter: no line lengths, no hyphenation, no conditionals.
#include <string>
#include <vector>

#include "markup_text.h"

namespace sluice::ingest {
namespace {

struct Special {
  std::string_view name;
  std::string_view text;
};
constexpr Special kSpecials[] = {
    {"em", "\xe2\x80\x94"}, {"en", "\xe2\x80\x93"}, {"bu", "\xe2\x80\xa2"}, {"lq", "\xe2\x80\x9c"}, {"rq", "\xe2\x80\x9d"},
    {"oq", "\xe2\x80\x98"}, {"cq", "\xe2\x80\x99"}, {"aq", "'"},            {"dq", "\""},           {"co", "\xc2\xa9"},
    {"rg", "\xc2\xae"},     {"tm", "\xe2\x84\xa2"}, {"hy", "-"},            {"mi", "-"},            {"pl", "+"},
    {"ti", "~"},            {"ha", "^"},            {"rs", "\\"},           {"sl", "/"},            {"Fo", "\xc2\xab"},
    {"Fc", "\xc2\xbb"},     {"<=", "\xe2\x89\xa4"}, {">=", "\xe2\x89\xa5"}, {"->", "\xe2\x86\x92"}, {"<-", "\xe2\x86\x90"},
    {"mu", "\xc3\x97"},     {"de", "\xc2\xb0"},     {"ga", "`"},            {"ul", "_"},            {"ba", "|"},
};

void append_special(std::string& out, std::string_view name) {
  for (const auto& special : kSpecials) {
    if (special.name == name) {
      out += special.text;
      return;
    }
  }
}

// A name after an escape: one character, "(xx", or "[long name]".
std::string_view escape_name(std::string_view line, std::size_t& i) {
  if (i >= line.size()) return {};
  if (line[i] == '(') {
    const std::string_view name = line.substr(i + 1, 2);
    i += 3;
    return name;
  }
  if (line[i] == '[') {
    const auto end = line.find(']', i);
    const std::size_t stop = end == std::string_view::npos ? line.size() : end;
    const std::string_view name = line.substr(i + 1, stop - i - 1);
    i = stop + 1;
    return name;
  }
  return line.substr(i++, 1);
}

// Resolves escapes in one line of text; stops at a \" comment.
std::string unescape(std::string_view line) {
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size();) {
    const char c = line[i];
    if (c != '\\' || i + 1 >= line.size()) {
      out += c;
      ++i;
      continue;
    }
    const char e = line[i + 1];
    i += 2;
    switch (e) {
      case '"': return out;                       // comment to the end of the line
      case '#': return out;
      case 'f': case 'F': case 'n': case 'g': case 'k': case 'm': case 'M': case 'V': case 'Y':
        escape_name(line, i);                     // font / register / colour: no text
        break;
      case '*': {                                 // string register: a few are quotes
        const std::string_view name = escape_name(line, i);
        if (name == "lq" || name == "rq") out += '"';
        else if (name == "R") out += "\xc2\xae";
        break;
      }
      case '(': case '[': {
        --i;
        append_special(out, escape_name(line, i));
        break;
      }
      case 's':                                   // size change: \s+2, \s-1, \s0, \s(12, \s[12]
        if (i < line.size() && (line[i] == '+' || line[i] == '-')) ++i;
        if (i < line.size() && (line[i] == '(' || line[i] == '[')) escape_name(line, i);
        else while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
        break;
      case 'h': case 'v': case 'w': case 'o': case 'b': case 'l': case 'L': case 'D': case 'X': case 'N': case 'Z':
      case 'A': case 'B': case 'R': case 'x': case 'C':
        // Escapes with a quoted argument: \h'1n', \w'text', \C'em'.
        if (i < line.size() && line[i] == '\'') {
          const auto end = line.find('\'', i + 1);
          if (e == 'C') append_special(out, line.substr(i + 1, end == std::string_view::npos ? 0 : end - i - 1));
          i = end == std::string_view::npos ? line.size() : end + 1;
        }
        break;
      case 'e': case '\\': out += '\\'; break;
      case '-': out += '-'; break;
      case ' ': case '~': case '0': case '_': out += ' '; break;
      case '&': case '|': case '^': case '%': case ')': case 'c': case 'd': case 'u': case 'p': case 'a': case 'z':
      case 't': case 'r': break;
      default: out += e; break;                   // \. \' \` and anything else: the character
    }
  }
  return out;
}

// Splits a macro line's arguments, honouring "double quotes".
std::vector<std::string> arguments(std::string_view rest) {
  std::vector<std::string> args;
  std::size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    if (i >= rest.size()) break;
    std::string arg;
    if (rest[i] == '"') {
      ++i;
      while (i < rest.size()) {
        if (rest[i] == '"') {
          if (i + 1 < rest.size() && rest[i + 1] == '"') {
            arg += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        arg += rest[i++];
      }
    } else {
      while (i < rest.size() && rest[i] != ' ' && rest[i] != '\t') arg += rest[i++];
    }
    args.push_back(unescape(arg));
  }
  return args;
}

std::string join(const std::vector<std::string>& parts, std::string_view separator, std::size_t from = 0) {
  std::string out;
  for (std::size_t k = from; k < parts.size(); ++k) {
    if (k > from) out += separator;
    out += parts[k];
  }
  return out;
}

class Page {
 public:
  void words(const std::string& text) {
    if (text.empty()) return;
    if (nofill_) {
      out_ += text;
      out_ += '\n';
      return;
    }
    if (!line_.empty()) line_ += ' ';
    line_ += text;
  }
  void verbatim_line(const std::string& text) {
    out_ += text;
    out_ += '\n';
  }
  void paragraph() {
    flush();
    if (!out_.empty() && !out_.ends_with("\n\n")) out_ += '\n';
  }
  void line_break() { flush(); }
  void heading(const std::string& text) {
    paragraph();
    out_ += text;
    out_ += '\n';
  }
  void set_nofill(bool on) {
    flush();
    nofill_ = on;
  }
  std::string finish() {
    flush();
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    if (!out_.empty()) out_ += '\n';
    return std::move(out_);
  }

 private:
  void flush() {
    if (line_.empty()) return;
    out_ += line_;
    out_ += '\n';
    line_.clear();
  }
  std::string out_, line_;
  bool nofill_ = false;
};

bool is_font_macro(std::string_view m) {
  return m == "BR" || m == "BI" || m == "IB" || m == "IR" || m == "RB" || m == "RI";
}

// mdoc macros whose arguments are the words themselves (flags get their dash back).
bool is_mdoc_inline(std::string_view m) {
  static constexpr std::string_view kInline[] = {"Nm", "Nd", "Ar", "Cm", "Ic", "Pa", "Ev", "Va", "Fn", "Fa", "Ft", "Xr",
                                                 "Em", "Sy", "Li", "Dv", "Er", "Ql", "Dq", "Sq", "Pq", "Op", "Ad", "An",
                                                 "Lk", "Mt", "Ms", "St", "Tn", "Ux", "Vt", "Cd", "Fd", "In", "No", "Ns"};
  for (const auto name : kInline) {
    if (m == name) return true;
  }
  return false;
}

}  // namespace

std::string roff_to_text(std::string_view roff) {
  Page page;
  bool next_is_tag = false;
  std::size_t start = 0;
  while (start <= roff.size()) {
    auto end = roff.find('\n', start);
    if (end == std::string_view::npos) end = roff.size();
    std::string_view line = roff.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      page.paragraph();
      if (end == roff.size()) break;
      continue;
    }
    if (line[0] != '.' && line[0] != '\'') {
      page.words(unescape(line));
      if (next_is_tag) {
        page.line_break();
        next_is_tag = false;
      }
      if (end == roff.size()) break;
      continue;
    }
    // A request or macro: ".XX args".
    std::size_t i = 1;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t name_end = i;
    while (name_end < line.size() && line[name_end] != ' ' && line[name_end] != '\t') ++name_end;
    const std::string_view macro = line.substr(i, name_end - i);
    const std::vector<std::string> args = arguments(line.substr(name_end));
    if (macro.starts_with("\\\"") || macro.empty()) {
      // comment line or a bare dot
    } else if (macro == "TH" || macro == "Dt") {
      if (!args.empty()) page.heading(args.size() > 1 ? args[0] + "(" + args[1] + ")" : args[0]);
    } else if (macro == "SH" || macro == "SS" || macro == "Sh" || macro == "Ss") {
      page.heading(join(args, " "));
    } else if (macro == "PP" || macro == "LP" || macro == "P" || macro == "Pp" || macro == "sp" || macro == "HP") {
      page.paragraph();
    } else if (macro == "br" || macro == "Bl" || macro == "El") {
      page.line_break();
    } else if (macro == "TP" || macro == "TQ") {
      page.paragraph();
      next_is_tag = true;
    } else if (macro == "IP" || macro == "It") {
      page.paragraph();
      if (!args.empty()) {
        page.words(macro == "It" ? join(args, " ") : args[0]);
        page.line_break();
      }
    } else if (macro == "nf" || macro == "EX" || macro == "Bd") {
      page.set_nofill(true);
    } else if (macro == "fi" || macro == "EE" || macro == "Ed") {
      page.set_nofill(false);
    } else if (macro == "B" || macro == "I" || macro == "SM" || macro == "SB" || macro == "UR" || macro == "MT") {
      page.words(join(args, " "));
    } else if (is_font_macro(macro)) {
      page.words(join(args, ""));  // alternating fonts, no space between
    } else if (macro == "Fl") {
      std::string flags;
      for (const auto& arg : args) flags += (flags.empty() ? "-" : " -") + arg;
      page.words(flags.empty() ? "-" : flags);
    } else if (is_mdoc_inline(macro)) {
      page.words(join(args, " "));
    }
    // Anything else (.de, .if, .ds, .so, .RS, .ad, .in, .ft, ...) carries no words of its own.
    if (next_is_tag && (macro == "B" || macro == "I" || is_font_macro(macro))) {
      page.line_break();
      next_is_tag = false;
    }
    if (end == roff.size()) break;
  }
  return page.finish();
}

}  // namespace sluice::ingest
