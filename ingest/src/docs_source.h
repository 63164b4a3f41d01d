#pragma once
// Documentation inputs: directories, tarballs and zips (libarchive) of Markdown,
// reStructuredText, AsciiDoc, text, HTML and man pages (plain or gzip-compressed, as
// /usr/share/man keeps them). HTML and roff are reduced to readable text.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "unit_output.h"
#include "skip_rules.h"
#include "sluice/core/progress.h"

namespace sluice::ingest {

struct DocsFacts {
  std::string input;
  std::uint64_t files = 0;
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
  SkipCounts skipped{};
  std::vector<std::string> unreadable_examples;  // the first errors of files skipped as unreadable
};

struct DocsContext {
  unsigned threads;
  std::uint64_t max_bytes;
  FrameFormat format;
  Progress* progress;
};

// Reads one input into documents, written to `writer` in path order (an archive: in its own
// order). Throws Error for an input that cannot be read at all (missing, corrupt archive); the
// caller then drops what was written.
void read_docs(const std::filesystem::path& input, const DocsContext& context, UnitWriter& writer, DocsFacts& facts);

}  // namespace sluice::ingest
