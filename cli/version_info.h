#pragma once
// Filled in at build time (cmake/VersionInfo.cmake) so the commit is that of the build.
namespace sluice::cli {
extern const char* const kSluiceVersion;
extern const char* const kSluiceCommit;
}  // namespace sluice::cli
