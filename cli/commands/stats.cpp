// sluice stats: what a shard set holds, by source, language and license.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>

#include "../command.h"
#include "../document_filter.h"
#include "sluice/core/documents.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"
#include "sluice/core/shard_set.h"

namespace sluice::cli {
namespace {

struct StatsOptions {
  std::vector<std::string> paths;
  std::vector<std::string> filters;
  unsigned threads = 0;
  bool json = false;
};

struct Tally {
  std::uint64_t documents = 0;
  std::uint64_t bytes = 0;
  void add(std::uint64_t size) {
    ++documents;
    bytes += size;
  }
};

struct Totals {
  Tally all;
  std::uint64_t files = 0;
  std::map<std::string, std::map<std::string, Tally>> by;  // dimension -> value -> tally

  void merge(const Totals& other) {
    all.documents += other.all.documents;
    all.bytes += other.all.bytes;
    files += other.files;
    for (const auto& [dimension, values] : other.by) {
      for (const auto& [value, tally] : values) {
        auto& mine = by[dimension][value];
        mine.documents += tally.documents;
        mine.bytes += tally.bytes;
      }
    }
  }
};

const std::vector<std::string> kDimensions = {"source", "lang", "license"};

std::vector<std::pair<std::string, Tally>> sorted_by_bytes(const std::map<std::string, Tally>& values) {
  std::vector<std::pair<std::string, Tally>> rows(values.begin(), values.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second.bytes != b.second.bytes ? a.second.bytes > b.second.bytes : a.first < b.first;
  });
  return rows;
}

void print_json(const Totals& totals) {
  JsonWriter json(true);
  json.begin_object();
  json.field("files", totals.files).field("documents", totals.all.documents).field("bytes", totals.all.bytes);
  for (const auto& dimension : kDimensions) {
    json.key(dimension).begin_object();
    const auto it = totals.by.find(dimension);
    if (it != totals.by.end()) {
      for (const auto& [value, tally] : sorted_by_bytes(it->second)) {
        json.key(value).begin_object().field("documents", tally.documents).field("bytes", tally.bytes).end_object();
      }
    }
    json.end_object();
  }
  json.end_object();
  std::cout << json.str() << "\n";
}

void print_table(const Totals& totals) {
  std::printf("%llu documents, %s of text, in %llu files\n", static_cast<unsigned long long>(totals.all.documents),
              human_bytes(static_cast<double>(totals.all.bytes)).c_str(), static_cast<unsigned long long>(totals.files));
  for (const auto& dimension : kDimensions) {
    const auto it = totals.by.find(dimension);
    if (it == totals.by.end()) continue;
    std::printf("\nby %s:\n", dimension.c_str());
    std::size_t shown = 0;
    for (const auto& [value, tally] : sorted_by_bytes(it->second)) {
      if (++shown > 30) {
        std::printf("  ... %zu more\n", it->second.size() - 30);
        break;
      }
      const double share = totals.all.bytes ? 100.0 * static_cast<double>(tally.bytes) / static_cast<double>(totals.all.bytes) : 0;
      std::printf("  %-28s %10llu docs %12s %6.1f%%\n", value.c_str(), static_cast<unsigned long long>(tally.documents),
                  human_bytes(static_cast<double>(tally.bytes)).c_str(), share);
    }
  }
}

int run_stats(const StatsOptions& options) {
  const DocumentFilter filter(options.filters);
  std::vector<std::filesystem::path> files;
  for (const auto& path : options.paths) {
    for (auto& file : list_document_files(path)) files.push_back(std::move(file));
  }
  Totals totals;
  std::mutex mutex;
  parallel_for(files.size(), options.threads, [&](std::size_t i) {
    Totals local;
    local.files = 1;
    DocumentReader reader(files[i]);
    Document doc;
    while (reader.next(doc)) {
      if (!filter.matches(doc)) continue;
      local.all.add(doc.text.size());
      local.by["source"][doc.source.empty() ? "(none)" : doc.source].add(doc.text.size());
      for (const char* key : {"lang", "license"}) {
        const auto value = doc.metadata.get_text(key);
        local.by[key][value ? *value : "(none)"].add(doc.text.size());
      }
    }
    std::lock_guard lock(mutex);
    totals.merge(local);
  });
  if (options.json) print_json(totals);
  else print_table(totals);
  return 0;
}

const bool registered = register_command({
    "stats", "Count documents and bytes of a shard set by source, language and license", 101,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<StatsOptions>();
      app.add_option("paths", options->paths, "Shard set directories or document files")->required();
      app.add_option("--filter", options->filters, "Count only documents with KEY=VALUE (see 'sluice cat')");
      add_threads_option(app, options->threads);
      add_json_flag(app, options->json);
      return [options] { return run_stats(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
