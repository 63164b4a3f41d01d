#pragma once
// What ingest learns about one repository, written as one line of repos.jsonl.zst.
#include <cstdint>
#include <string>
#include <vector>

#include "skip_rules.h"

namespace sluice::ingest {

struct LicenseFile {
  std::string path;
  std::string text;
};

struct Submodule {
  std::string path;
  std::string commit;
  std::string url;  // from .gitmodules, when it names one
};

struct RepoFacts {
  std::string url;        // as given
  std::string ref;        // as given (empty: HEAD)
  std::string head;       // what HEAD / REF resolved to ("refs/heads/main", or "HEAD" when detached)
  std::string commit;
  std::string cache;      // the bare clone read, or the local repository
  std::string error;      // non-empty: the repository failed
  std::uint64_t objects_fetched = 0;
  std::uint64_t bytes_fetched = 0;
  std::uint64_t files = 0;
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
  SkipCounts skipped{};
  std::vector<Submodule> submodules;
  std::vector<LicenseFile> licenses;

  std::string to_json() const;  // one line, no newline
};

}  // namespace sluice::ingest
