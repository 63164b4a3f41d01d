// Repository-level license detection: license files per directory (a directory's license applies
// below it, as The Stack v2 propagated them), license headers of source files, and the README as
// a last resort, combined into one SPDX expression.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "license/expression.h"
#include "license/header_cache.h"
#include "license/tree_walk.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/filter/license.h"

namespace sluice::filter {
namespace {

namespace fs = std::filesystem;

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Whether `s` equals the lowercase word `lower` in any case (file names are classified for every
// file of a tree, so without a lowercased copy of each).
bool iequals(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (ascii_lower(s[i]) != lower[i]) return false;
  }
  return true;
}

bool istarts_with(std::string_view s, std::string_view lower) { return s.size() >= lower.size() && iequals(s.substr(0, lower.size()), lower); }

// The extension after the last dot, lowercased into `buffer`; empty when there is none or it is
// longer than any extension looked for.
std::string_view lower_extension(std::string_view name, std::array<char, 8>& buffer) {
  const auto dot = name.rfind('.');
  if (dot == std::string_view::npos || name.size() - dot - 1 > buffer.size()) return {};
  const auto ext = name.substr(dot + 1);
  for (std::size_t i = 0; i < ext.size(); ++i) buffer[i] = ascii_lower(ext[i]);
  return {buffer.data(), ext.size()};
}

template <std::size_t N>
bool sorted_contains(const std::array<std::string_view, N>& sorted, std::string_view value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

bool is_readme(std::string_view filename) { return istarts_with(filename, "readme"); }

// License files whose names say they list what bundled code is under: their licenses apply in
// addition to the project's own (AND), where sibling license files are alternatives (OR).
bool is_third_party_name(std::string_view filename) {
  std::string name(filename);
  for (auto& c : name) c = ascii_lower(c);
  for (const char* word : {"third", "3rd", "notice", "vendor", "bundled", "depend", "external", "doc", "extra"}) {
    if (name.find(word) != std::string::npos) return true;
  }
  return false;
}

std::set<std::string> ids_of(const std::string& expression) { return license::expression_ids(expression); }

std::string parenthesize(const std::string& expression) {
  return expression.find(" OR ") != std::string::npos ? "(" + expression + ")" : expression;
}

// The terms of an expression's top-level AND ("(A OR B) AND C" -> "A OR B", "C").
std::vector<std::string> and_terms(const std::string& expression) {
  std::vector<std::string> terms;
  int depth = 0;
  std::size_t start = 0;
  auto push = [&](std::size_t end) {
    std::string term = expression.substr(start, end - start);
    if (term.size() > 1 && term.front() == '(' && term.back() == ')') term = term.substr(1, term.size() - 2);
    terms.push_back(std::move(term));
  };
  for (std::size_t i = 0; i < expression.size(); ++i) {
    if (expression[i] == '(') ++depth;
    if (expression[i] == ')') --depth;
    if (depth == 0 && expression.compare(i, 5, " AND ") == 0) {
      push(i);
      start = i + 5;
      i += 4;
    }
  }
  push(expression.size());
  return terms;
}

std::string join_and(const std::vector<std::string>& parts) {
  if (parts.size() == 1) return parts[0];
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : " AND ") + parenthesize(p);
  return out;
}

struct FileResult {
  std::string name;
  TextLicense license;
  std::string text;  // kept only for files that match no template: they may be statements
};

// GNU licenses whose full text a statement says may be used in a later version ("GPL version 2
// or later", "LGPLv2.1+", "version 3 of the License, or (at your option) any later version"):
// family and major version, "GPL-2", "LGPL-2", "AGPL-3". The full texts never say it themselves.
std::set<std::string> or_later_statements(const std::string& text) {
  // Lowercased with runs of whitespace made one space, so phrases wrap across lines.
  std::string t;
  for (char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (space && (t.empty() || t.back() == ' ')) continue;
    t += space ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  const auto is_alpha = [](char c) { return c >= 'a' && c <= 'z'; };
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  // Skips "N", "N.M", "N.M.K"; returns the position after, or npos when no version is there.
  const auto skip_version = [&](std::string_view s, std::size_t i) {
    if (i >= s.size() || !is_digit(s[i]) || s[i] < '1' || s[i] > '3') return std::string::npos;
    ++i;
    while (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) i += 2;
    return i;
  };
  std::set<std::string> out;
  // "gplv2+", "lgpl-2.1+", "agplv3+"
  for (auto at = t.find("gpl"); at != std::string::npos; at = t.find("gpl", at + 3)) {
    std::string family = "GPL-";
    std::size_t begin = at;
    if (at > 0 && (t[at - 1] == 'l' || t[at - 1] == 'a')) {
      family = t[at - 1] == 'l' ? "LGPL-" : "AGPL-";
      begin = at - 1;
    }
    if (begin > 0 && is_alpha(t[begin - 1])) continue;
    std::size_t i = at + 3;
    if (i < t.size() && (t[i] == '-' || t[i] == ' ')) ++i;
    if (i < t.size() && t[i] == 'v') ++i;
    const auto end = skip_version(t, i);
    if (end != std::string::npos && end < t.size() && t[end] == '+') out.insert(family + t[i]);
  }
  // "general public license (gpl) version 2 or later", "..., version 2.1 of the license, or (at
  // your option) any later version"
  constexpr std::string_view kName = "general public licen";
  for (auto at = t.find(kName); at != std::string::npos; at = t.find(kName, at + kName.size())) {
    const auto before = std::string_view(t).substr(at >= 8 ? at - 8 : 0, at >= 8 ? 8 : at);
    const std::string family = before.find("affero") != std::string_view::npos ? "AGPL-"
                               : before.find("lesser") != std::string_view::npos || before.find("library") != std::string_view::npos
                                   ? "LGPL-"
                                   : "GPL-";
    const auto window = t.substr(at, 160);
    for (std::string_view marker : {"version ", " v"}) {
      const auto v = window.find(marker);
      if (v == std::string::npos) continue;
      const auto end = skip_version(window, v + marker.size());
      if (end == std::string::npos) continue;
      auto rest = std::string_view(window).substr(end);
      for (std::string_view filler : {",", " of the license", ",", " or", " (at your option)", " any"}) {
        if (rest.starts_with(filler)) rest.remove_prefix(filler.size());
      }
      if (rest.starts_with(" later")) out.insert(family + window[v + marker.size()]);
      break;
    }
  }
  return out;
}

// "GPL-2.0-only" -> "GPL-2.0-or-later" where a statement says so.
std::string apply_or_later(std::string expression, const std::set<std::string>& statements) {
  for (const auto& family : statements) {
    for (std::size_t at = expression.find(family + "."); at != std::string::npos; at = expression.find(family + ".", at + 1)) {
      if (at > 0 && expression[at - 1] != ' ' && expression[at - 1] != '(') continue;  // "GPL-2" inside "LGPL-2"
      const auto end = expression.find("-only", at);
      const auto space = expression.find_first_of(" )", at);
      if (end != std::string::npos && (space == std::string::npos || end < space)) expression.replace(end, 5, "-or-later");
    }
  }
  return expression;
}

// One directory's license files into one expression: the project's own terms, or with
// `bundled` also the licenses the files list for bundled code.
std::pair<std::string, double> combine_directory(const std::vector<FileResult>& files, bool bundled = false) {
  std::vector<std::string> alternatives, additions;
  double confidence = 1.0;
  bool any = false;
  std::set<std::string> statements;
  for (const auto& f : files) {
    if (f.license.matches.empty()) {
      const auto found = or_later_statements(f.text);
      statements.insert(found.begin(), found.end());
      continue;
    }
    any = true;
    confidence = std::min(confidence, f.license.confidence());
    auto& group = is_third_party_name(f.name) ? additions : alternatives;
    const auto expression = f.license.expression();
    if (std::find(group.begin(), group.end(), expression) == group.end()) group.push_back(expression);
    if (bundled) {
      for (const auto& b : f.license.bundled) {
        if (std::find(additions.begin(), additions.end(), b.spdx) == additions.end()) additions.push_back(b.spdx);
      }
    }
  }
  if (!any) return {files.empty() ? kNoLicense : kNoAssertion, 0.0};
  // COPYING (GPL-3.0) beside COPYING.LESSER (LGPL-3.0) is how the LGPL-3.0 is shipped (its text
  // only adds permissions to the GPL's): it is LGPL. The LGPL-2.1 stands alone, so a GPL-2.0
  // beside it is a second license, offered as a choice like any sibling file.
  const bool has_lgpl3 = std::any_of(alternatives.begin(), alternatives.end(), [](const std::string& e) { return e.starts_with("LGPL-3.0"); });
  if (has_lgpl3) std::erase_if(alternatives, [](const std::string& e) { return e.starts_with("GPL-3.0"); });
  if (!statements.empty()) {
    for (auto& a : alternatives) a = apply_or_later(a, statements);
  }
  std::vector<std::string> parts;
  if (!alternatives.empty()) {
    std::string choice;
    for (const auto& a : alternatives) {
      const bool compound = a.find(" AND ") != std::string::npos && alternatives.size() > 1;
      choice += (choice.empty() ? "" : " OR ") + (compound ? "(" + a + ")" : a);
    }
    parts.push_back(choice);
  }
  for (const auto& a : additions) {
    if (std::find(alternatives.begin(), alternatives.end(), a) == alternatives.end()) parts.push_back(a);
  }
  return {join_and(parts), confidence};
}

std::string parent_of(const std::string& relative) {
  const auto slash = relative.rfind('/');
  return slash == std::string::npos ? std::string() : relative.substr(0, slash);
}

enum class FileKind { kSkip, kLicense, kReadme, kSource };

constexpr std::size_t kLicenseFileLimit = 1 << 20;
constexpr std::size_t kReadmeLimit = 256 * 1024;

// Files whose head is never a license header: images, archives, fonts, compiled objects.
bool is_binary_name(std::string_view name) {
  static constexpr std::array<std::string_view, 55> kBinary = {
      "7z", "a", "avi", "bin", "bmp", "bz2", "class", "dat", "db", "dll", "docx", "dylib", "eot", "exe",
      "flac", "gif", "gz", "icns", "ico", "jar", "jpeg", "jpg", "lib", "mov", "mp3", "mp4", "npy", "o", "ogg",
      "onnx", "otf", "pdf", "pgm", "pkl", "png", "ppm", "pptx", "psd", "pt", "pyc", "so", "sqlite", "tgz",
      "tif", "tiff", "ttf", "wasm", "wav", "webp", "woff", "woff2", "xlsx", "xz", "zip", "zst"};
  static_assert(std::is_sorted(kBinary.begin(), kBinary.end()));
  std::array<char, 8> buffer{};
  const auto ext = lower_extension(name, buffer);
  return !ext.empty() && sorted_contains(kBinary, ext);
}

FileKind kind_of(std::string_view relative) {
  const auto slash = relative.rfind('/');
  const auto name = slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  if (is_license_file_name(name)) return FileKind::kLicense;
  if (is_readme(name)) return slash == std::string_view::npos ? FileKind::kReadme : FileKind::kSkip;  // only the root's
  return is_binary_name(name) ? FileKind::kSkip : FileKind::kSource;
}

// A buffer that only grows, and without zeroing: a thread reading many heads neither allocates
// nor clears per file.
class HeadBuffer {
 public:
  // At least `size` bytes, the first `keep` of them kept.
  char* reserve(std::size_t size, std::size_t keep = 0) {
    if (size > capacity_) {
      auto bigger = std::make_unique_for_overwrite<char[]>(size);
      if (keep > 0) std::memcpy(bigger.get(), data_.get(), keep);
      data_ = std::move(bigger);
      capacity_ = size;
    }
    return data_.get();
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t capacity_ = 0;
};

// A license file may be read up to 1 MiB, but most are a few KiB: the buffer starts below
// malloc's mmap threshold and doubles only while a file fills it. A 1 MiB buffer was mapped for
// every thread that read a license file and unmapped when it ended, which stops the other CPUs
// to flush their address translations.
constexpr std::size_t kFirstRead = 64 * 1024;

// The first `limit` bytes of a file (`path` relative to the directory `dir_fd`, or AT_FDCWD), read
// into `buffer`; nullopt when the file cannot be read.
std::optional<std::string_view> read_head(int dir_fd, const char* path, std::size_t limit, HeadBuffer& buffer) {
  // open + read, no stdio buffer and no fstat: most files are read once, for their first few KiB.
  const int fd = ::openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::size_t capacity = std::min(limit, kFirstRead);
  char* data = buffer.reserve(capacity);
  std::size_t n = 0;
  while (n < limit) {
    if (n == capacity) {
      capacity = std::min(limit, 2 * capacity);
      data = buffer.reserve(capacity, n);
    }
    const std::size_t wanted = capacity - n;
    const auto got = ::read(fd, data + n, wanted);
    if (got <= 0) break;
    n += static_cast<std::size_t>(got);
    // A regular file reads short only at its end: asking again would cost a read that returns 0.
    if (static_cast<std::size_t>(got) < wanted) break;
  }
  ::close(fd);
  return std::string_view(data, n);
}

struct ScannedFile {
  FileKind kind = FileKind::kSkip;
  TextLicense license;
  std::string text;  // license files without a template match (statements) and the README
};

ScannedFile scan_file(FileKind kind, std::string_view text, const LicenseOptions& options, license::HeaderCache& cache) {
  ScannedFile out{kind, {}, {}};
  switch (kind) {
    case FileKind::kLicense: {
      // Subprojects often carry copies of the same license files (a LICENSE-MIT per crate).
      using Key = license::HeaderCache::Key;
      const std::uint64_t key = xxh3_64(text);
      if (!cache.find(Key::kLicenseFile, key, out.license)) {
        out.license = detect_license_text(text, options);
        cache.put(Key::kLicenseFile, key, out.license);
      }
      if (out.license.matches.empty()) out.text = text;
      break;
    }
    case FileKind::kReadme:
      out.text = text;
      break;
    case FileKind::kSource:
      if (text.find('\0') != std::string_view::npos) out.kind = FileKind::kSkip;  // binary
      else out.license = license::detect_file_header_cached(text, options, &cache);
      break;
    case FileKind::kSkip:
      break;
  }
  return out;
}

// Sorts by path through an index, so that each record (three strings) moves once, not at every
// swap: a tree's headers come from several threads in no order, hundreds of them.
void sort_by_path(std::vector<LicenseEvidence>& records) {
  const auto by_path = [](const LicenseEvidence& a, const LicenseEvidence& b) { return a.path < b.path; };
  if (std::is_sorted(records.begin(), records.end(), by_path)) return;
  std::vector<std::size_t> order(records.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return by_path(records[a], records[b]); });
  std::vector<LicenseEvidence> sorted;
  sorted.reserve(records.size());
  for (const auto i : order) sorted.push_back(std::move(records[i]));
  records = std::move(sorted);
}

LicenseEvidence header_evidence(const std::string& path, const ScannedFile& f) {
  return {path, f.license.expression(), f.license.confidence(), "header"};
}

// Gathers the scanned files of one tree (in path order) and combines them.
class Collector {
 public:
  void add(const std::string& path, ScannedFile&& f) {
    switch (f.kind) {
      case FileKind::kLicense: {
        const auto slash = path.rfind('/');
        const auto name = slash == std::string::npos ? path : path.substr(slash + 1);
        result.files.push_back({path, f.license.matches.empty() ? kNoAssertion : f.license.all_expression(),
                                f.license.confidence(), "license-file"});
        license_files[parent_of(path)].push_back({name, std::move(f.license), std::move(f.text)});
        break;
      }
      case FileKind::kReadme:
        if (readme_path.empty() || path.size() < readme_path.size()) {
          readme_path = path;
          readme_text = std::move(f.text);
        }
        break;
      case FileKind::kSource:
        if (!f.license.matches.empty()) add_header(header_evidence(path, f));
        break;
      case FileKind::kSkip:
        break;
    }
  }

  // A source file's header, as header_evidence() made it (on the thread that scanned it).
  void add_header(LicenseEvidence&& header) { headers.push_back(std::move(header)); }

  RepoLicense finish(std::size_t files_scanned) {
    result.files_scanned = files_scanned;
    // The repository's own terms: its root license files. Without them (or when they match no
    // template, as a root text that only explains which folder has which license), the licenses of
    // the top-level folders together; then source headers; then the README. Deeper folders and
    // headers that differ stay in `directories` and `files`, where license_for() applies them to
    // the files they cover.
    double confidence = 1.0;
    std::vector<std::string> parts;
    auto add_part = [&](const std::string& expression, double c) {
      if (std::find(parts.begin(), parts.end(), expression) == parts.end()) {
        parts.push_back(expression);
        confidence = std::min(confidence, c);
      }
    };
    for (const auto& [dir, files] : license_files) {
      // What applies to a file below: the folder's terms and those of the code it bundles.
      const auto [expression, c] = combine_directory(files, true);
      result.directories.emplace_back(dir, expression);
    }
    const auto root = license_files.find("");
    if (root != license_files.end()) {
      const auto [expression, c] = combine_directory(root->second);
      if (expression != kNoAssertion) add_part(expression, c);
    }
    if (parts.empty()) {
      for (const auto& [dir, files] : license_files) {
        if (dir.empty() || dir.find('/') != std::string::npos) continue;
        const auto [expression, c] = combine_directory(files);
        if (expression != kNoAssertion) add_part(expression, c);
      }
    }
    sort_by_path(headers);
    // Whether the folder's terms already name a header's licenses depends on the folder and the
    // header's expression only (no header is recorded yet), and the headers of a folder (next to
    // each other in path order) mostly agree: decided once per folder run and expression.
    std::string folder = "\n";  // no folder's name
    std::map<std::string, bool, std::less<>> covered;  // by expression, for `folder`
    for (const auto& h : headers) {
      const auto slash = h.path.rfind('/');
      const std::string_view parent = slash == std::string::npos ? std::string_view() : std::string_view(h.path).substr(0, slash);
      if (parent != folder) {
        folder.assign(parent);
        covered.clear();
      }
      auto it = covered.find(h.spdx);
      if (it == covered.end()) {
        const auto applying = result.license_for(h.path);
        const auto own = ids_of(applying);
        const auto named = ids_of(h.spdx);
        it = covered.emplace(h.spdx, applying != kNoLicense && applying != kNoAssertion &&
                                         std::includes(own.begin(), own.end(), named.begin(), named.end())).first;
      }
      if (!it->second) result.files.push_back(h);
    }
    if (parts.empty() && license_files.empty()) {
      for (const auto& h : headers) add_part(h.spdx, h.confidence);
    } else if (root == license_files.end()) {
      // No root license file: the headers of the root's own files speak for the project (pigz.c).
      for (const auto& h : headers) {
        if (h.path.find('/') == std::string::npos) add_part(h.spdx, h.confidence);
      }
    }
    if (parts.size() > 1) std::erase(parts, std::string(kNoLicense));
    if (parts.empty() && !readme_text.empty()) {
      const auto readme = detect_readme(readme_text);
      if (!readme.matches.empty()) {
        parts.push_back(readme.expression());
        confidence = readme.confidence();
        result.files.push_back({readme_path, parts.back(), confidence, "readme"});
        result.directories.emplace_back("", parts.back());
      }
    }
    if (parts.empty()) {
      result.spdx = license_files.empty() ? kNoLicense : kNoAssertion;
      result.confidence = license_files.empty() ? 1.0 : 0.0;
    } else {
      result.spdx = join_and(parts);
      result.confidence = confidence;
    }
    std::vector<std::string> everything;
    auto add_everything = [&](const std::string& e) {
      for (const auto& term : and_terms(e)) {
        if (term != kNoLicense && std::find(everything.begin(), everything.end(), term) == everything.end()) everything.push_back(term);
      }
    };
    for (const auto& p : parts) add_everything(p);
    for (const auto& [dir, expression] : result.directories) add_everything(expression);
    for (const auto& f : result.files) {
      if (f.kind == "header") add_everything(f.spdx);
    }
    result.all = everything.empty() ? result.spdx : join_and(everything);
    sort_by_path(result.files);
    return result;
  }

 private:
  RepoLicense result;
  std::map<std::string, std::vector<FileResult>> license_files;  // by directory
  std::vector<LicenseEvidence> headers;
  std::string readme_path, readme_text;
};

}  // namespace

bool is_license_file_name(std::string_view filename) {
  // Every name part looked for below holds "licen" or starts with "cop": most names are out at once.
  bool may_be = false;
  for (std::size_t i = 0; i < filename.size() && !may_be; ++i) {
    const char c = ascii_lower(filename[i]);
    may_be = (c == 'l' && istarts_with(filename.substr(i), "licen")) || (c == 'c' && istarts_with(filename.substr(i), "cop"));
  }
  if (!may_be) return false;
  // Source code that handles licenses (license.go, license_test.py) is not a license text.
  static constexpr std::array<std::string_view, 41> kCodeExtensions = {
      "c", "cc", "cpp", "cs", "css", "dart", "erl", "ex", "gif", "go", "h", "hpp", "java", "jpg", "js",
      "json", "jsx", "kt", "lua", "m", "mm", "php", "pl", "png", "proto", "py", "rb", "rs", "scala", "scss",
      "sh", "sql", "svg", "swift", "toml", "ts", "tsx", "vue", "xml", "yaml", "yml"};
  static_assert(std::is_sorted(kCodeExtensions.begin(), kCodeExtensions.end()));
  std::array<char, 8> buffer{};
  if (const auto ext = lower_extension(filename, buffer); !ext.empty() && sorted_contains(kCodeExtensions, ext)) return false;
  // Its parts between '-', '_', '.' and ' ' ("LICENSE-MIT", "COPYING.LESSER", "license_1_0.txt").
  std::size_t start = 0;
  while (start <= filename.size()) {
    auto end = filename.find_first_of("-_. ", start);
    if (end == std::string_view::npos) end = filename.size();
    const auto part = filename.substr(start, end - start);
    if (iequals(part, "license") || iequals(part, "licence") || iequals(part, "licenses") || iequals(part, "licences") ||
        iequals(part, "unlicense") || iequals(part, "copyright") || iequals(part, "copyleft") || istarts_with(part, "copying")) {
      return true;
    }
    start = end + 1;
  }
  return false;
}

std::string RepoLicense::license_for(std::string_view relative_path) const {
  const std::string path(relative_path);
  std::string best = kNoLicense;
  std::size_t best_length = 0;
  bool found = false;
  for (const auto& [dir, expression] : directories) {
    const bool applies = dir.empty() || path.starts_with(dir + "/");
    if (applies && (!found || dir.size() >= best_length)) {
      best = expression;
      best_length = dir.size();
      found = true;
    }
  }
  for (const auto& f : files) {
    if (f.kind == "header" && f.path == path) {
      if (best == kNoLicense || best == kNoAssertion) return f.spdx;
      const auto own = ids_of(best);
      const auto header = ids_of(f.spdx);
      if (!std::includes(own.begin(), own.end(), header.begin(), header.end())) best = join_and({best, f.spdx});
    }
  }
  return best;
}

std::string RepoLicense::to_json() const {
  JsonWriter w;
  w.begin_object().field("spdx", spdx).field("confidence", confidence).field("all", all).key("files").begin_array();
  for (const auto& f : files) {
    w.begin_object().field("path", f.path).field("spdx", f.spdx).field("confidence", f.confidence).field("kind", f.kind).end_object();
  }
  w.end_array().key("directories").begin_object();
  for (const auto& [dir, expression] : directories) w.field(dir.empty() ? "." : dir, expression);
  w.end_object().field("files_scanned", static_cast<std::uint64_t>(files_scanned)).end_object();
  return w.take();
}

RepoLicense detect_license_path(const fs::path& path, const LicenseOptions& options) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec || !fs::exists(status)) fail_at(path.string(), 0, "no such file or directory");
  if (fs::is_regular_file(status)) {
    RepoLicense result;
    result.files_scanned = 1;
    const auto name = path.filename().string();
    HeadBuffer buffer;
    const auto head = read_head(AT_FDCWD, path.c_str(), kLicenseFileLimit, buffer);
    if (!head) fail_at(path.string(), 0, "cannot read the file (check its permissions)");
    const std::string_view text = *head;
    TextLicense license;
    std::string kind = "license-file";
    if (is_readme(name)) {
      license = detect_readme(text);
      kind = "readme";
    } else if (is_license_file_name(name)) {
      license = detect_license_text(text, options);
    } else {
      license = detect_file_header(text, options);
      kind = "header";
      if (license.matches.empty()) license = detect_license_text(text, options);
    }
    if (!license.matches.empty()) {
      result.spdx = license.expression();
      result.all = license.all_expression();
      result.confidence = license.confidence();
      result.files.push_back({name, result.all, result.confidence, kind});
    } else if (kind == "license-file") {
      result.spdx = kNoAssertion;
    }
    return result;
  }
  if (!fs::is_directory(status)) fail_at(path.string(), 0, "not a file or directory");

  // Listing, reading and matching at once on every thread (tree_walk.h); only the files that
  // speak of a license are kept, then put in path order for the collector.
  const std::string root = path.string();
  license::HeaderCache cache;
  std::mutex kept_mutex;
  std::vector<std::pair<std::string, ScannedFile>> kept;  // license files and the README
  std::vector<LicenseEvidence> headers;                     // source headers, already in their final form
  // One thread more than the CPUs by default: a new thread first runs on the CPU that created it,
  // and the scheduler takes about a millisecond to move one to an idle CPU, most of a small
  // tree's walk; with one thread more, one always starts on the idle CPU. A third thread made
  // the median tree of the labelled set 10-15 % faster on two CPUs (tree walk of Catch2: 6.1 ->
  // 4.9 ms); placing the second thread on the other CPU by affinity gave the same as the third.
  const unsigned threads = options.threads == 0 ? default_threads() + 1 : options.threads;
  const auto files = license::walk_tree(root, threads,
                                        [&](int dir_fd, const char* name, const std::string& relative) {
    const auto kind = kind_of(relative);
    if (kind == FileKind::kSkip) return;
    thread_local HeadBuffer buffer;
    const auto limit = kind == FileKind::kSource ? options.header_bytes : kind == FileKind::kReadme ? kReadmeLimit : kLicenseFileLimit;
    const auto text = read_head(dir_fd, name, limit, buffer);
    if (!text) return;
    auto scanned = scan_file(kind, *text, options, cache);
    if (scanned.kind == FileKind::kSkip || (scanned.kind == FileKind::kSource && scanned.license.matches.empty())) return;
    if (scanned.kind == FileKind::kSource) {
      auto header = header_evidence(relative, scanned);
      std::lock_guard lock(kept_mutex);
      headers.push_back(std::move(header));
      return;
    }
    std::lock_guard lock(kept_mutex);
    kept.emplace_back(relative, std::move(scanned));
  }, [](std::string_view name) { return is_license_file_name(name) || is_readme(name); });
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Collector collector;
  for (auto& [relative, scanned] : kept) collector.add(relative, std::move(scanned));
  for (auto& header : headers) collector.add_header(std::move(header));  // put in path order by finish()
  return collector.finish(files);
}

RepoLicense detect_license_files(const std::vector<LicenseTreeFile>& files, const LicenseOptions& options) {
  std::vector<const LicenseTreeFile*> sorted;
  for (const auto& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->path < b->path; });
  std::vector<ScannedFile> scanned(sorted.size());
  license::HeaderCache cache;
  parallel_for(sorted.size(), options.threads == 0 ? default_threads() : options.threads, [&](std::size_t i) {
    const auto& f = *sorted[i];
    const auto kind = kind_of(f.path);
    if (kind == FileKind::kSkip) return;
    const std::size_t limit = kind == FileKind::kSource ? options.header_bytes : kind == FileKind::kReadme ? kReadmeLimit : kLicenseFileLimit;
    const auto text = std::string_view(f.text).substr(0, std::min(limit, f.text.size()));
    if (kind == FileKind::kSource && text.find('\0') != std::string_view::npos) return;
    scanned[i] = scan_file(kind, text, options, cache);
  });
  Collector collector;
  for (std::size_t i = 0; i < sorted.size(); ++i) collector.add(sorted[i]->path, std::move(scanned[i]));
  return collector.finish(files.size());
}

}  // namespace sluice::filter
