#include "context.h"

#include <cstdio>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"

namespace sluice::dedup {
namespace {

std::string number(std::size_t value, int width) {
  char text[32];
  std::snprintf(text, sizeof text, "%0*zu", width, value);
  return text;
}

// Inputs are identified cheaply by name, size and modification time: a changed input makes a
// fresh work directory, as a changed option does.
std::string input_identity(const std::vector<std::filesystem::path>& shards, std::size_t inputs) {
  JsonWriter json;
  json.begin_array();
  for (std::size_t i = 0; i < shards.size(); ++i) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(shards[i], ec);
    const auto mtime = std::filesystem::last_write_time(shards[i], ec).time_since_epoch().count();
    json.begin_array().value(i < inputs ? "in" : "against").value(std::filesystem::absolute(shards[i]).string());
    json.value(static_cast<std::uint64_t>(size)).value(static_cast<std::int64_t>(mtime)).end_array();
  }
  json.end_array();
  return json.take();
}

}  // namespace

Context::Context(const DedupOptions& opts) : options(opts), work(opts.out / kWorkDir) {
  shards = options.inputs;
  input_shards = shards.size();
  shards.insert(shards.end(), options.against.begin(), options.against.end());
  const std::string identity = "{\"options\":" + options_json(options) + ",\"shards\":" + input_identity(shards, input_shards) + "}";
  config_hash = sluice::config_hash("dedup", identity);

  const auto stamp = work / "config.json";
  std::error_code ec;
  if (std::filesystem::exists(stamp, ec)) {
    const std::string previous = read_small_file(stamp);
    if (previous != identity) {
      if (options.phase != 0) {
        throw Error(stamp.string() + ": the work directory was made with other options or inputs; a single phase "
                    "cannot restart it. Run all phases (no --phase), or delete " + work.string());
      }
      // Signatures made with other settings are not comparable: start over.
      std::filesystem::remove_all(work);
    }
  }
  std::filesystem::create_directories(work / "done");
  if (!std::filesystem::exists(stamp, ec)) write_file_atomically(stamp, identity);
  for (const char* sub : {"docs", "keys", "edges", "removed"}) {
    std::filesystem::create_directories(work / sub);
    remove_stale_temporaries(work / sub);
  }
}

std::filesystem::path Context::docs_file(std::size_t shard) const { return work / "docs" / (number(shard, 5) + ".docs"); }
std::filesystem::path Context::exact_file(std::size_t shard) const { return work / "keys" / ("exact-" + number(shard, 5) + ".keys"); }
std::filesystem::path Context::band_file(std::size_t band, std::size_t shard) const {
  return work / "keys" / ("band" + number(band, 3) + "-" + number(shard, 5) + ".keys");
}
std::filesystem::path Context::edges_file(std::size_t kind) const {
  return work / "edges" / (kind_is_exact(kind) ? std::string("exact.edges") : "band" + number(kind_band(kind), 3) + ".edges");
}
std::filesystem::path Context::removed_file(std::size_t shard) const { return work / "removed" / (number(shard, 5) + ".removed"); }

bool Context::done(int phase, std::size_t task) const {
  std::error_code ec;
  return std::filesystem::exists(work / "done" / ("phase" + std::to_string(phase) + "-" + number(task, 5)), ec);
}

void Context::mark_done(int phase, std::size_t task) const {
  write_file_atomically(work / "done" / ("phase" + std::to_string(phase) + "-" + number(task, 5)), config_hash + "\n");
}

std::vector<std::size_t> tasks_to_run(const Context& context, int phase, std::size_t count, PhaseStats& stats) {
  std::vector<std::size_t> todo;
  const auto& options = context.options;
  for (std::size_t i = 0; i < count; ++i) {
    if (options.phase != 0 && i % options.tasks != options.task) continue;
    if (context.done(phase, i)) {
      ++stats.tasks_skipped;
    } else {
      todo.push_back(i);
    }
  }
  stats.tasks_run = todo.size();
  return todo;
}

}  // namespace sluice::dedup
