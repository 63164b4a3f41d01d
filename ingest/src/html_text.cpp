// HTML to readable text: a single pass over the bytes, no DOM. Documentation pages are
// well-formed enough for this; what matters is that the words and the paragraph breaks survive.
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "markup_text.h"
#include "sluice/core/text.h"

namespace sluice::ingest {
namespace {

struct Entity {
  std::string_view name;
  std::uint32_t code;
};
// The named entities documentation actually uses; numeric references cover the rest.
constexpr std::array<Entity, 24> kEntities{{
    {"amp", '&'},      {"lt", '<'},       {"gt", '>'},       {"quot", '"'},     {"apos", '\''},    {"nbsp", ' '},
    {"mdash", 0x2014}, {"ndash", 0x2013}, {"hellip", 0x2026}, {"copy", 0xA9},   {"reg", 0xAE},     {"trade", 0x2122},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ldquo", 0x201C}, {"rdquo", 0x201D}, {"laquo", 0xAB},   {"raquo", 0xBB},
    {"times", 0xD7},   {"middot", 0xB7},  {"bull", 0x2022},  {"larr", 0x2190},  {"rarr", 0x2192},  {"para", 0xB6},
}};

// Decodes the entity at html[i] == '&'; returns the bytes consumed (0: not an entity).
std::size_t decode_entity(std::string_view html, std::size_t i, std::string& out) {
  const auto semi = html.find(';', i);
  if (semi == std::string_view::npos || semi - i > 10) return 0;
  const std::string_view body = html.substr(i + 1, semi - i - 1);
  if (body.size() > 1 && body[0] == '#') {
    std::uint32_t code = 0;
    const bool hex = body[1] == 'x' || body[1] == 'X';
    for (std::size_t k = hex ? 2 : 1; k < body.size(); ++k) {
      const char c = body[k];
      std::uint32_t digit;
      if (c >= '0' && c <= '9') digit = static_cast<std::uint32_t>(c - '0');
      else if (hex && c >= 'a' && c <= 'f') digit = static_cast<std::uint32_t>(c - 'a' + 10);
      else if (hex && c >= 'A' && c <= 'F') digit = static_cast<std::uint32_t>(c - 'A' + 10);
      else return 0;
      code = code * (hex ? 16 : 10) + digit;
      if (code > 0x10FFFF) return 0;
    }
    append_utf8(out, code == 0 ? 0xFFFD : static_cast<char32_t>(code));  // HTML: &#0; is U+FFFD
    return semi - i + 1;
  }
  for (const auto& entity : kEntities) {
    if (body == entity.name) {
      append_utf8(out, static_cast<char32_t>(entity.code));
      return semi - i + 1;
    }
  }
  return 0;
}

bool is_block(std::string_view tag) {
  static constexpr std::string_view kBlocks[] = {"p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
                                                 "tr", "table", "pre", "section", "article", "blockquote", "hr", "dt",
                                                 "dd", "dl", "title", "header", "footer", "nav", "main", "aside",
                                                 "figure", "figcaption", "details", "summary", "caption", "body"};
  return std::find(std::begin(kBlocks), std::end(kBlocks), tag) != std::end(kBlocks);
}

// Elements whose content a reader never sees.
bool is_hidden(std::string_view tag) {
  return tag == "script" || tag == "style" || tag == "noscript" || tag == "template" || tag == "svg" || tag == "head";
}

// Collapses runs of blank lines to one, trims spaces at line ends and at both ends.
std::string tidy(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  int newlines = 0;
  for (const char c : text) {
    if (c == '\n') {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      if (out.empty()) continue;
      if (++newlines <= 2) out += '\n';
    } else {
      newlines = 0;
      out += c;
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  if (!out.empty()) out += '\n';
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  int pre = 0;
  // The page title leads the text, although it sits in <head>, which is dropped.
  std::string title;
  const std::string head = ascii_lower(html.substr(0, std::min<std::size_t>(html.size(), 64 * 1024)));
  if (const auto open = head.find("<title"); open != std::string::npos) {
    const auto start = head.find('>', open);
    const auto end = head.find("</title", open);
    if (start != std::string::npos && end != std::string::npos && start < end) title = html.substr(start + 1, end - start - 1);
  }
  for (std::size_t i = 0; i < html.size();) {
    const char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        const auto end = html.find("-->", i + 4);
        i = end == std::string_view::npos ? html.size() : end + 3;
        continue;
      }
      const auto close = html.find('>', i);
      if (close == std::string_view::npos) break;
      std::string_view inside = html.substr(i + 1, close - i - 1);
      const bool closing = inside.starts_with('/');
      if (closing) inside.remove_prefix(1);
      std::size_t name_end = 0;
      while (name_end < inside.size() && (std::isalnum(static_cast<unsigned char>(inside[name_end])) != 0)) ++name_end;
      const std::string tag = ascii_lower(inside.substr(0, name_end));
      i = close + 1;
      if (!closing && is_hidden(tag) && !inside.ends_with('/')) {
        // Skip to the matching close tag (case-insensitive).
        const std::string end_tag = "</" + tag;
        std::size_t k = i;
        while (k < html.size()) {
          k = html.find("</", k);
          if (k == std::string_view::npos) break;
          if (ascii_lower(html.substr(k, end_tag.size())) == end_tag) break;
          k += 2;
        }
        if (k == std::string_view::npos) {
          i = html.size();
        } else {
          const auto end = html.find('>', k);
          i = end == std::string_view::npos ? html.size() : end + 1;
        }
        continue;
      }
      if (tag == "pre") pre = closing ? std::max(0, pre - 1) : pre + 1;
      if (tag == "li") {
        if (!closing) out += "\n- ";
      } else if (is_block(tag)) out += (tag[0] == 'h' && tag.size() == 2 && tag != "hr") ? "\n\n" : "\n";
      else if (tag == "td" || tag == "th") out += ' ';
      continue;
    }
    if (c == '&') {
      const std::size_t used = decode_entity(html, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    if (pre == 0 && (c == ' ' || c == '\n' || c == '\t' || c == '\r')) {
      if (!out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
    } else if (c != '\r') {
      out += c;
    }
    ++i;
  }
  std::string text = tidy(out);
  if (!title.empty()) {
    std::string heading = tidy(html_to_text(title));
    if (!heading.empty() && !text.starts_with(heading)) text = heading + "\n" + text;
  }
  return text;
}

}  // namespace sluice::ingest
