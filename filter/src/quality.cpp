#include "sluice/filter/quality.h"

#include <algorithm>
#include <functional>
#include <set>

#include <yaml-cpp/yaml.h>

#include "sluice/core/error.h"
#include "sluice/core/json.h"

namespace sluice::filter {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string extension_of(std::string_view path) {
  const auto slash = path.rfind('/');
  const auto name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string() : lower(name.substr(dot + 1));
}

// SC2: long lines are normal in these; only a line over the relaxed limit drops them.
bool is_relaxed(std::string_view lang, const std::string& ext) {
  static const std::set<std::string, std::less<>> kLangs = {"HTML", "JSON", "Markdown", "Roff", "Roff Manpage", "SMT",
                                                            "TeX", "Text", "XML", "JSON with Comments", "CSV", "SVG"};
  static const std::set<std::string, std::less<>> kExts = {"html", "htm", "json", "md", "markdown", "tex", "txt",
                                                           "xml", "svg", "csv", "roff", "smt2", "1", "3", "rst"};
  return kLangs.count(lang) || kExts.count(ext);
}

bool is_data_file(std::string_view lang, const std::string& ext) {
  static const std::set<std::string, std::less<>> kLangs = {"JSON", "YAML", "Text", "Web Ontology Language",
                                                            "Graphviz (DOT)", "CSV", "TSV"};
  static const std::set<std::string, std::less<>> kExts = {"json", "yaml", "yml", "txt", "owl", "dot", "csv", "tsv"};
  return kLangs.count(lang) || kExts.count(ext);
}

bool is_html(std::string_view lang, const std::string& ext) { return lang == "HTML" || ext == "html" || ext == "htm"; }

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_word(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_base64(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=' || c == '\n'; }

// Encoded data as SC2 defines it, scanned by hand (this runs on every document):
//   base64  [a-zA-Z0-9+/\n=]{64,}
//   hex     (?:\b(?:0x|\\x)?[0-9a-fA-F]{2}(?:,\s*|\b\s*)){8,}  (whitespace after "," too)
//   unicode (?:\\u[0-9a-fA-F]{4}){8,}
struct EncodedScan {
  std::size_t longest = 0;
  std::size_t total = 0;
  void add(std::size_t run) {
    longest = std::max(longest, run);
    total += run;
  }
};

std::size_t hex_item(std::string_view t, std::size_t i) {
  auto boundary = [&](std::size_t k) {
    const bool before = k > 0 && is_word(t[k - 1]);
    const bool after = k < t.size() && is_word(t[k]);
    return before != after;
  };
  if (!boundary(i)) return 0;
  std::size_t j = i;
  if (j + 1 < t.size() && (t[j] == '0' || t[j] == '\\') && t[j + 1] == 'x') j += 2;
  if (j + 2 > t.size() || !is_hex(t[j]) || !is_hex(t[j + 1])) return 0;
  j += 2;
  // SC2's pattern takes "," or whitespace after an item; C arrays write ", " - take both.
  if (j < t.size() && t[j] == ',') {
    ++j;
    while (j < t.size() && std::isspace(static_cast<unsigned char>(t[j]))) ++j;
    return j - i;
  }
  if (!boundary(j)) return 0;
  while (j < t.size() && std::isspace(static_cast<unsigned char>(t[j]))) ++j;
  return j - i;
}

EncodedScan scan_encoded(std::string_view t) {
  EncodedScan scan;
  // base64 runs
  for (std::size_t i = 0; i < t.size();) {
    if (!is_base64(t[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < t.size() && is_base64(t[j])) ++j;
    if (j - i >= 64) scan.add(j - i);
    i = j;
  }
  // hex runs: only where a hex digit can start one
  for (std::size_t i = 0; i < t.size();) {
    if (!(is_hex(t[i]) || t[i] == '\\')) {
      ++i;
      continue;
    }
    std::size_t j = i, items = 0;
    while (j < t.size()) {
      const std::size_t n = hex_item(t, j);
      if (n == 0) break;
      j += n;
      ++items;
    }
    if (items >= 8) {
      scan.add(j - i);
      i = j;
    } else {
      ++i;
      while (i < t.size() && is_word(t[i])) ++i;  // the next item starts at a word boundary
    }
  }
  // \uXXXX runs
  for (std::size_t i = t.find("\\u"); i != std::string_view::npos; i = t.find("\\u", i + 1)) {
    std::size_t j = i, items = 0;
    while (j + 6 <= t.size() && t[j] == '\\' && t[j + 1] == 'u' && is_hex(t[j + 2]) && is_hex(t[j + 3]) &&
           is_hex(t[j + 4]) && is_hex(t[j + 5])) {
      j += 6;
      ++items;
    }
    if (items >= 8) {
      scan.add(j - i);
      i = j - 1;
    }
  }
  return scan;
}

// Characters a browser would show: outside tags, outside <script> and <style>, runs of
// whitespace counted once.
std::size_t html_visible_chars(std::string_view t) {
  std::size_t visible = 0;
  bool space = true;
  for (std::size_t i = 0; i < t.size();) {
    if (t[i] == '<') {
      const auto close = t.find('>', i);
      if (close == std::string_view::npos) break;
      const auto tag = lower(t.substr(i + 1, std::min<std::size_t>(6, close - i - 1)));
      i = close + 1;
      for (const char* skip : {"script", "style"}) {
        if (tag.starts_with(skip)) {
          const auto end = lower(t.substr(i)).find(std::string("</") + skip);
          i = end == std::string::npos ? t.size() : i + end;
        }
      }
      continue;
    }
    const bool is_space = std::isspace(static_cast<unsigned char>(t[i]));
    if (!is_space || !space) ++visible;
    space = is_space;
    ++i;
  }
  return visible;
}

}  // namespace

const std::vector<std::string>& quality_rule_names() {
  static const std::vector<std::string> kNames = {"max_lines", "max_line_length", "mean_line_length", "alpha_fraction",
                                                  "autogenerated", "encoded_data", "data_file_lines", "html_visible_text"};
  return kNames;
}

bool QualityRules::enabled(std::string_view rule) const {
  return std::find(disabled.begin(), disabled.end(), rule) == disabled.end();
}

std::string check_quality(std::string_view text, std::string_view lang, std::string_view path, const QualityRules& rules) {
  const auto ext = extension_of(path);
  // One pass for line statistics and character classes.
  std::size_t lines = 0, longest = 0, current = 0, alpha = 0, alnum = 0, chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++lines;
      longest = std::max(longest, current);
      current = 0;
      continue;
    }
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: part of the previous character
    ++current;
    ++chars;
    if (c >= 0x80 || std::isalpha(c)) {
      ++alpha;
      ++alnum;
    } else if (std::isdigit(c)) {
      ++alnum;
    }
  }
  if (current > 0 || lines == 0) {
    ++lines;
    longest = std::max(longest, current);
  }
  if (rules.enabled("max_lines") && lines > rules.max_lines) return "max_lines";
  const bool relaxed = is_relaxed(lang, ext);
  const double mean = static_cast<double>(chars) / static_cast<double>(lines);
  if (rules.enabled("max_line_length") && longest > (relaxed ? rules.relaxed_max_line_length : rules.max_line_length)) {
    return "max_line_length";
  }
  if (rules.enabled("mean_line_length") && !relaxed && mean > rules.max_mean_line_length) return "mean_line_length";
  if (rules.enabled("alpha_fraction") && chars > 0) {
    const bool use_alnum = lang == "Motorola 68K Assembly" || lang == "WebAssembly";
    const double fraction = static_cast<double>(use_alnum ? alnum : alpha) / static_cast<double>(chars);
    if (fraction < rules.min_alpha_fraction) return "alpha_fraction";
  }
  if (rules.enabled("autogenerated")) {
    std::size_t end = 0;
    for (std::size_t n = 0; n < rules.autogenerated_lines && end < text.size(); ++n) {
      const auto newline = text.find('\n', end);
      end = newline == std::string_view::npos ? text.size() : newline + 1;
    }
    const auto head = lower(text.substr(0, end));
    for (const char* marker : {"auto-generated", "autogenerated", "automatically generated", "generated automatically",
                               "this file is generated"}) {
      if (head.find(marker) != std::string::npos) return "autogenerated";
    }
  }
  if (rules.enabled("encoded_data")) {
    const auto scan = scan_encoded(text);
    if (scan.longest > rules.max_encoded_run ||
        static_cast<double>(scan.total) > rules.max_encoded_fraction * static_cast<double>(text.size())) {
      return "encoded_data";
    }
  }
  if (rules.enabled("data_file_lines") && is_data_file(lang, ext) && lines > rules.max_data_file_lines) {
    return "data_file_lines";
  }
  if (rules.enabled("html_visible_text") && is_html(lang, ext)) {
    const auto visible = html_visible_chars(text);
    if (visible < rules.min_html_visible_chars ||
        static_cast<double>(visible) < rules.min_html_visible_fraction * static_cast<double>(text.size())) {
      return "html_visible_text";
    }
  }
  return {};
}

QualityRules QualityRules::load(const std::filesystem::path& path) {
  QualityRules rules;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::BadFile&) {
    fail_at(path.string(), 0, "cannot read the rules file");
  } catch (const YAML::Exception& e) {
    fail_at(path.string(), static_cast<std::uint64_t>(e.mark.line + 1), e.msg);
  }
  if (!root.IsMap()) fail_at(path.string(), 0, "a rules file is a YAML mapping of rule names to thresholds");
  auto line_of = [](const YAML::Node& n) { return static_cast<std::uint64_t>(n.Mark().line + 1); };
  auto number = [&](const YAML::Node& n, const std::string& what) {
    try {
      const double v = n.as<double>();
      if (v < 0) throw YAML::Exception(n.Mark(), "negative");
      return v;
    } catch (const YAML::Exception&) {
      fail_at(path.string(), line_of(n), what + " must be a non-negative number");
    }
  };
  auto count = [&](const YAML::Node& n, const std::string& what) { return static_cast<std::size_t>(number(n, what)); };
  auto fields = [&](const YAML::Node& n, const std::string& rule,
                    const std::vector<std::pair<std::string, std::function<void(const YAML::Node&)>>>& setters) {
    if (n.IsScalar()) {
      if (n.Scalar() == "off" || n.Scalar() == "false") {
        rules.disabled.push_back(rule);
        return;
      }
      setters.front().second(n);
      return;
    }
    if (!n.IsMap()) fail_at(path.string(), line_of(n), rule + ": expected a number, 'off', or a mapping");
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      if (key == "enabled") {
        if (!kv.second.as<bool>(true)) rules.disabled.push_back(rule);
        continue;
      }
      auto it = std::find_if(setters.begin(), setters.end(), [&](const auto& s) { return s.first == key; });
      if (it == setters.end()) fail_at(path.string(), line_of(kv.first), rule + ": unknown setting '" + key + "'");
      it->second(kv.second);
    }
  };
  for (const auto& kv : root) {
    const auto rule = kv.first.as<std::string>();
    const auto& n = kv.second;
    if (rule == "max_lines") {
      fields(n, rule, {{"max", [&](const YAML::Node& v) { rules.max_lines = count(v, rule); }}});
    } else if (rule == "max_line_length") {
      fields(n, rule, {{"max", [&](const YAML::Node& v) { rules.max_line_length = count(v, rule); }},
                       {"relaxed_max", [&](const YAML::Node& v) { rules.relaxed_max_line_length = count(v, rule); }}});
    } else if (rule == "mean_line_length") {
      fields(n, rule, {{"max", [&](const YAML::Node& v) { rules.max_mean_line_length = number(v, rule); }}});
    } else if (rule == "alpha_fraction") {
      fields(n, rule, {{"min", [&](const YAML::Node& v) { rules.min_alpha_fraction = number(v, rule); }}});
    } else if (rule == "autogenerated") {
      fields(n, rule, {{"lines", [&](const YAML::Node& v) { rules.autogenerated_lines = count(v, rule); }}});
    } else if (rule == "encoded_data") {
      fields(n, rule, {{"max_run", [&](const YAML::Node& v) { rules.max_encoded_run = count(v, rule); }},
                       {"max_fraction", [&](const YAML::Node& v) { rules.max_encoded_fraction = number(v, rule); }}});
    } else if (rule == "data_file_lines") {
      fields(n, rule, {{"max", [&](const YAML::Node& v) { rules.max_data_file_lines = count(v, rule); }}});
    } else if (rule == "html_visible_text") {
      fields(n, rule, {{"min_fraction", [&](const YAML::Node& v) { rules.min_html_visible_fraction = number(v, rule); }},
                       {"min_chars", [&](const YAML::Node& v) { rules.min_html_visible_chars = count(v, rule); }}});
    } else {
      std::string known;
      for (const auto& name : quality_rule_names()) known += (known.empty() ? "" : ", ") + name;
      fail_at(path.string(), line_of(kv.first), "unknown rule '" + rule + "' (rules: " + known + ")");
    }
  }
  return rules;
}

std::string QualityRules::to_json() const {
  JsonWriter w;
  w.begin_object()
      .field("max_lines", static_cast<std::uint64_t>(max_lines))
      .field("max_line_length", static_cast<std::uint64_t>(max_line_length))
      .field("relaxed_max_line_length", static_cast<std::uint64_t>(relaxed_max_line_length))
      .field("mean_line_length", max_mean_line_length)
      .field("alpha_fraction", min_alpha_fraction)
      .field("autogenerated_lines", static_cast<std::uint64_t>(autogenerated_lines))
      .field("encoded_max_run", static_cast<std::uint64_t>(max_encoded_run))
      .field("encoded_max_fraction", max_encoded_fraction)
      .field("data_file_lines", static_cast<std::uint64_t>(max_data_file_lines))
      .field("html_min_fraction", min_html_visible_fraction)
      .field("html_min_chars", static_cast<std::uint64_t>(min_html_visible_chars))
      .key("disabled")
      .begin_array();
  for (const auto& d : disabled) w.value(d);
  w.end_array().end_object();
  return w.take();
}

}  // namespace sluice::filter
