#pragma once
// Why a file does not become a document, and the content tests behind those reasons. The path
// tests (vendored, generated lockfiles, documentation) are linguist's and live in language.h.
#include <array>
#include <cstdint>
#include <string_view>

namespace sluice::ingest {

enum class SkipReason : std::uint8_t {
  kBinary, kTooLarge, kVendored, kGenerated, kSymlink, kSubmodule, kNotUtf8,
  kNotDocs,  // a file in a --docs input that is not documentation (stylesheets, scripts)
  kUnreadable,  // a file of a --docs directory that cannot be read or decompressed
};
inline constexpr std::size_t kSkipReasonCount = 9;
using SkipCounts = std::array<std::uint64_t, kSkipReasonCount>;

// "binary", "too_large", "vendored", "generated", "symlink", "submodule", "not_utf8", "not_docs", "unreadable".
std::string_view skip_reason_name(SkipReason reason);

// git's own test: a NUL byte in the first 8000 bytes (UTF-16 text is told apart by its BOM first).
bool looks_binary(std::string_view content);

// Names whose format is binary by definition (compiled objects, archives, images, fonts, media,
// bytecode: ".so", ".a", ".pyc", ".png", ".zip", ...): skipped as binary without being read, which
// saves inflating them. Formats that are sometimes text (".bin", ".dat", ".db") are not listed:
// those are read and tested.
bool is_binary_name(std::string_view path);

// Content that says it was generated: a marker such as "Code generated", "DO NOT EDIT",
// "@generated", "auto-generated" in the first 5 lines (StarCoder2's check), or minified
// JavaScript / CSS (linguist: lines averaging over 110 characters).
bool says_generated(std::string_view path, std::string_view text);

// License files whose full text goes to repos.jsonl.zst: LICENSE*, LICENCE*, COPYING*, UNLICENSE,
// NOTICE*, at any depth (case-insensitive).
bool is_license_path(std::string_view path);

// Files that are documentation rather than code: README*, anything under docs/ or doc/,
// *.md / *.markdown / *.rst / *.adoc / *.txt, and linguist's documentation.yml rules.
bool is_docs_path(std::string_view path);

}  // namespace sluice::ingest
