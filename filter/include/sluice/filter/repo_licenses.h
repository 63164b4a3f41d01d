#pragma once
// The licenses of the repositories of an ingest output: ingest writes, beside its document
// shards, repos.jsonl.zst with every license file's text per repository (docs/ingest-format.md).
// Detecting from those texts gives each repository its license by directory, so a document's
// license is license_for(its path) without reading the repository again.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sluice/filter/license.h"

namespace sluice::filter {

inline constexpr const char* kReposFileName = "repos.jsonl.zst";

// Repository ("url" as ingest wrote it, which is each document's metadata.repo) -> the license
// files ingest recorded, path and text.
std::map<std::string, std::vector<LicenseTreeFile>> read_repo_license_files(const std::filesystem::path& repos_file);

// Repository ("url" as ingest wrote it, which is each document's metadata.repo) -> its license.
// Repositories are detected in parallel (options.threads). Throws sluice::Error naming the file
// and line of a malformed record.
std::map<std::string, RepoLicense> read_repo_licenses(const std::filesystem::path& repos_file,
                                                      const LicenseOptions& options = {});

}  // namespace sluice::filter
