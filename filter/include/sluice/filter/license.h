#pragma once
// License detection, the part of the filter stage other stages may call (ingest tags documents
// with it). Templates are the SPDX license list, compiled in at build time.
//
//   detect_license_text   a license file's text: every license it holds, with its confidence
//   detect_file_header    the head of a source file: SPDX-License-Identifier lines, a license
//                         text in a comment, or a well-known license notice
//   detect_license_path   a checkout directory (license files per directory, source headers,
//                         README as a last resort) or a single file
//
// Results are SPDX expressions; "NONE" where no license text exists, "NOASSERTION" where license
// text exists but matches no template.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::filter {

inline constexpr const char* kNoLicense = "NONE";
inline constexpr const char* kNoAssertion = "NOASSERTION";

struct LicenseOptions {
  double threshold = 0.9;   // Sørensen–Dice on word bigrams a match needs
  std::size_t header_bytes = 8192;  // how much of each source file is read for its header
  unsigned threads = 0;             // files of a tree read and matched in parallel; 0 = CPUs + 1
};

struct LicenseMatch {
  std::string spdx;        // an SPDX id, or "ID WITH EXCEPTION"
  double confidence = 0;   // 1.0 for an exact match of the normalised text
  std::string method;      // "exact", "dice", "identifier", "notice", "readme"
};

struct TextLicense {
  std::vector<LicenseMatch> matches;  // the text's own terms, in the order they appear
  // Licenses of bundled or third-party code the text lists after saying so ("The bundled zlib
  // code is licensed under...", "third-party components listed below"): they apply to that
  // code, not to the project, so they are in all_expression() but not in expression().
  std::vector<LicenseMatch> bundled;
  std::size_t unmatched_words = 0;    // words no match explains (a note, an unknown license)
  bool alternatives = false;          // the text offers its licenses as a choice
  std::string expression() const;     // matches joined with AND (OR for alternatives); NONE when none
  std::string all_expression() const; // expression() AND every bundled license
  double confidence() const;          // the lowest match confidence; 0 without matches
};

TextLicense detect_license_text(std::string_view text, const LicenseOptions& options = {});
TextLicense detect_file_header(std::string_view text, const LicenseOptions& options = {});
// License statements in a README ("Licensed under the MIT license", a "License" section naming
// a license): the last resort, reported with confidence 0.5.
TextLicense detect_readme(std::string_view text);

// A file name that holds license text: LICENSE, COPYING, LICENSE-MIT, UNLICENSE, MIT-LICENSE.txt...
bool is_license_file_name(std::string_view filename);

struct LicenseEvidence {
  std::string path;  // relative to the detected root
  std::string spdx;
  double confidence = 0;
  std::string kind;  // "license-file", "header", "readme"
};

struct RepoLicense {
  // The project's own terms: root license files (else top-level folders, headers, README).
  std::string spdx = kNoLicense;
  // Everything found anywhere in the tree (vendored folders, headers that differ), AND-ed: what
  // applies to the tree as a whole.
  std::string all = kNoLicense;
  double confidence = 0;
  std::vector<LicenseEvidence> files;
  // Directory (relative, "" = root) -> the expression of its license files; it applies to every
  // file below it unless a deeper directory has its own.
  std::vector<std::pair<std::string, std::string>> directories;
  std::size_t files_scanned = 0;

  // The expression that applies to one file (relative path), from the nearest directory with a
  // license; NONE when no directory above it has one.
  std::string license_for(std::string_view relative_path) const;
  std::string to_json() const;
};

// A directory is walked (skipping .git and other hidden directories); a file is read as a license
// file when its name says so, else as a source file. Throws sluice::Error when PATH is missing.
RepoLicense detect_license_path(const std::filesystem::path& path, const LicenseOptions& options = {});

// The same for a tree given as files already read (a repository read from its object database
// by ingest, the license texts ingest recorded): `path` is relative to the tree's root, `text`
// the file (for source files its head is enough).
struct LicenseTreeFile {
  std::string path;
  std::string text;
};
RepoLicense detect_license_files(const std::vector<LicenseTreeFile>& files, const LicenseOptions& options = {});

// Canonical spelling of an SPDX id: deprecated GNU ids gain -only / -or-later ("GPL-2.0+" ->
// "GPL-2.0-or-later"); anything else is returned unchanged.
std::string canonical_spdx_id(std::string_view id);

// Number of templates compiled in and licenses in the SPDX list they came from.
std::size_t license_template_count();
std::size_t license_source_count();

}  // namespace sluice::filter
