// sluice cat: documents as JSON Lines on stdout, optionally filtered.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "../command.h"
#include "../document_filter.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/shard_set.h"

namespace sluice::cli {
namespace {

struct CatOptions {
  std::vector<std::string> paths;
  std::uint64_t limit = 0;
  std::vector<std::string> filters;
  bool text_only = false;
};

// Writes to stdout; returns false once the reader has gone (EPIPE, e.g. `| head`).
bool write_out(const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t wrote = ::write(STDOUT_FILENO, data.data() + done, data.size() - done);
    if (wrote < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return false;
      fail_errno("write", "standard output");
    }
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

int run_cat(const CatOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);
  const DocumentFilter filter(options.filters);
  std::string out;
  std::uint64_t printed = 0;
  Document doc;
  for (const auto& path : options.paths) {
    for (const auto& file : list_document_files(path)) {
      DocumentReader reader(file);
      while (reader.next(doc)) {
        if (!filter.matches(doc)) continue;
        if (options.text_only) {
          out.append(doc.text);
          if (doc.text.empty() || doc.text.back() != '\n') out.push_back('\n');
        } else {
          doc.append_json(out);
          out.push_back('\n');
        }
        ++printed;
        const bool done = options.limit > 0 && printed >= options.limit;
        if (out.size() >= (1 << 20) || done) {
          if (!write_out(out)) return 0;
          out.clear();
        }
        if (done) return 0;
      }
    }
  }
  write_out(out);
  return 0;
}

const bool registered = register_command({
    "cat", "Print documents as JSON Lines (any shard set, .jsonl, .zst or .gz file)", 100,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<CatOptions>();
      app.add_option("paths", options->paths, "Shard set directories or document files")->required();
      app.add_option("-n,--limit", options->limit, "Stop after this many documents (0 = all)");
      app.add_option("--filter", options->filters,
                     "Keep documents whose field equals a value: lang=Python, source=git, "
                     "license=MIT; any metadata key; repeat to require several");
      app.add_flag("--text", options->text_only, "Print only the text of each document");
      return [options] { return run_cat(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
