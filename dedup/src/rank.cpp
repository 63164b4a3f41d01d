// Survivor ranking helpers. The license classes follow The Stack v2's --rank (permissive >
// no_license > non_permissive). Until the filter stage publishes its license API, the permissive
// set is the common SPDX ids of the Blue Oak "model" permissive licenses.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "sluice/core/document.h"
#include "sluice/core/error.h"
#include "sluice/dedup/dedup.h"

namespace sluice::dedup {
namespace {

constexpr std::array<std::string_view, 22> kPermissive = {
    "mit", "mit-0", "apache-2.0", "bsd-2-clause", "bsd-3-clause", "bsd-3-clause-clear", "0bsd", "isc",
    "unlicense", "cc0-1.0", "zlib", "bsl-1.0", "python-2.0", "psf-2.0", "x11", "postgresql", "wtfpl",
    "upl-1.0", "ncsa", "artistic-2.0", "blueoak-1.0.0", "ms-pl"};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool is_none(const std::string& id) { return id.empty() || id == "none" || id == "noassertion" || id == "null" || id == "no_license"; }

// One id or an expression: permissive when every id in it is (AND/OR/WITH treated alike, strictly).
int class_of_expression(const std::string& expression) {
  const std::string text = lower(expression);
  if (text == "permissive") return 0;
  if (text == "no_license") return 1;
  if (text == "non_permissive") return 2;
  bool any = false;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '(' || text[i] == ')')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '(' && text[j] != ')') ++j;
    const std::string id = text.substr(i, j - i);
    i = j;
    if (id.empty() || id == "and" || id == "or" || id == "with") continue;
    if (is_none(id)) continue;
    any = true;
    if (std::find(kPermissive.begin(), kPermissive.end(), id) == kPermissive.end()) return 2;
  }
  return any ? 0 : 1;
}

}  // namespace

int license_class(const std::string& raw) {
  if (raw.empty() || raw == "null") return 1;
  if (raw.front() == '"') {
    const auto text = decode_json_string(raw);
    return text ? class_of_expression(*text) : 2;
  }
  if (raw.front() == '[') {
    // A list of detected licenses: the worst class wins; an empty list is no license.
    int worst = -1;
    std::size_t i = 1;
    while (i < raw.size()) {
      const std::size_t start = raw.find('"', i);
      if (start == std::string::npos) break;
      std::size_t end = start + 1;
      while (end < raw.size() && raw[end] != '"') end += raw[end] == '\\' ? 2 : 1;
      if (end >= raw.size()) break;
      const auto text = decode_json_string(std::string_view(raw).substr(start, end - start + 1));
      if (text) worst = std::max(worst, class_of_expression(*text));
      i = end + 1;
    }
    return worst < 0 ? 1 : worst;
  }
  return 2;
}

Mode parse_mode(const std::string& text) {
  if (text == "exact") return Mode::kExact;
  if (text == "near") return Mode::kNear;
  if (text == "both") return Mode::kBoth;
  throw Error("--mode must be exact, near or both, not '" + text + "'");
}

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::kExact: return "exact";
    case Mode::kNear: return "near";
    case Mode::kBoth: return "both";
  }
  return "both";
}

}  // namespace sluice::dedup
