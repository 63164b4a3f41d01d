#include "file_document.h"

#include "encoding.h"
#include "markup_text.h"
#include "sluice/core/hash.h"
#include "sluice/ingest/language.h"

namespace sluice::ingest {

std::string document_id(std::string_view repo, std::string_view commit, std::string_view path) {
  std::string key;
  key.reserve(repo.size() + commit.size() + path.size() + 2);
  key.append(repo).append(1, '\0').append(commit).append(1, '\0').append(path);
  return xxh3_128(key).hex();
}

bool is_docs_language(std::string_view lang) {
  static constexpr std::string_view kDocs[] = {"Markdown", "reStructuredText", "AsciiDoc", "Text", "HTML",
                                               "Roff Manpage", "Roff", "RMarkdown", "Org", "Pod", "Texinfo"};
  for (const auto docs : kDocs) {
    if (lang == docs) return true;
  }
  return false;
}

std::optional<SkipReason> skip_by_path(std::string_view path, std::uint64_t size, std::uint64_t max_bytes) {
  if (is_vendored_path(path)) return SkipReason::kVendored;
  if (is_generated_path(path)) return SkipReason::kGenerated;
  if (size > max_bytes) return SkipReason::kTooLarge;
  if (is_binary_name(path)) return SkipReason::kBinary;
  return std::nullopt;
}

std::optional<SkipReason> make_document(const FileOrigin& origin, std::string_view raw, Document& doc) {
  if (looks_binary(raw)) return SkipReason::kBinary;
  std::string converted;
  std::size_t begin = 0;
  const Decoded decoded = decode_text(raw, converted, begin);
  if (decoded == Decoded::kInvalid) return SkipReason::kNotUtf8;
  const std::string_view text = decoded == Decoded::kConverted ? std::string_view(converted) : raw.substr(begin);
  if (says_generated(origin.path, text)) return SkipReason::kGenerated;

  std::string_view lang = detect_language(origin.path, text);
  if (origin.docs_input) {
    if (lang.empty()) lang = "Text";  // README, NEWS, files without an extension
    if (!is_docs_language(lang)) return SkipReason::kNotDocs;
  }
  doc.clear();
  doc.id = document_id(origin.repo, origin.commit, origin.path);
  if (origin.docs_input && lang == "HTML") doc.text = html_to_text(text);
  else if (origin.docs_input && (lang == "Roff Manpage" || lang == "Roff")) doc.text = roff_to_text(text);
  else doc.text.assign(text);
  doc.source = origin.docs_input || is_docs_path(origin.path) ? "docs" : "git";
  doc.metadata.set_string("repo", origin.repo);
  if (!origin.commit.empty()) doc.metadata.set_string("commit", origin.commit);
  doc.metadata.set_string("path", origin.path);
  doc.metadata.set_string("blob", origin.blob);
  doc.metadata.set_int("bytes", static_cast<std::int64_t>(raw.size()));
  doc.metadata.set_string("lang", lang);
  return std::nullopt;
}

}  // namespace sluice::ingest
