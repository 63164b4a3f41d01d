// The two steps of every stage, whichever executor runs them: one task (prepare its input view,
// run the subcommand, leave a completion marker) and the merge (join the tasks' outputs under
// their global shard names, sum the tasks' summaries, write the stage record last).
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>

#include "internal.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/pipelines/runner.h"

namespace sluice::pipelines {
namespace {

using detail::StagePlan;

bool is_document_name(const std::string& name) {
  for (const char* suffix : {".jsonl.zst", ".jsonl.gz", ".jsonl", ".json.gz", ".json"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) return true;
  }
  return false;
}

std::string extension_of(const std::string& name) {
  for (const char* suffix : {".jsonl.zst", ".jsonl.gz", ".json.gz", ".jsonl", ".json", ".zst", ".gz"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) return s;
  }
  return "";
}

// Document shards of a stage's input, in the order that numbers them, and the files beside them
// (repos.jsonl.zst and the like) that every task gets to see.
struct InputListing {
  std::vector<std::filesystem::path> shards;
  std::vector<std::filesystem::path> sidecars;
};

InputListing list_input(const std::filesystem::path& dir) {
  InputListing listing;
  std::vector<std::filesystem::path> others;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name == kManifestName || is_temporary_name(name)) continue;
    if (name.rfind("part-", 0) == 0 && is_document_name(name)) listing.shards.push_back(entry.path());
    else others.push_back(entry.path());
  }
  if (listing.shards.empty()) {
    listing.shards = list_document_files(dir);  // outside inputs: any document files
    others.clear();
  }
  std::sort(listing.shards.begin(), listing.shards.end());
  std::sort(others.begin(), others.end());
  listing.sidecars = others;
  return listing;
}

int shard_index(const std::string& name) {
  // "part-00042.jsonl.zst" -> 42
  if (name.rfind("part-", 0) != 0) return -1;
  int value = 0;
  std::size_t i = 5;
  for (; i < name.size() && name[i] >= '0' && name[i] <= '9'; ++i) value = value * 10 + (name[i] - '0');
  return i == 5 ? -1 : value;
}

std::string renamed(const std::string& name, std::size_t global) {
  std::string out = shard_name(global);
  // shard_name gives ".jsonl.zst"; keep the stage's own extension.
  const std::string ext = extension_of(name);
  if (!ext.empty()) out = out.substr(0, out.size() - std::string(".jsonl.zst").size()) + ext;
  return out;
}

void link_or_copy(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to.parent_path());
  std::error_code error;
  std::filesystem::create_hard_link(from, to, error);
  if (error) std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
}

void append_file(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::filesystem::create_directories(to.parent_path());
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::app);
  out << in.rdbuf();
  if (!out) fail_errno("cannot write", to.string());
}

std::string tail_of(const std::filesystem::path& log, std::size_t lines) {
  std::ifstream in(log);
  std::vector<std::string> all;
  std::string line;
  while (std::getline(in, line)) all.push_back(line);
  std::string out;
  for (std::size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) out += "\n    " + all[i];
  return out;
}

std::string command_line(const std::vector<std::string>& argv) {
  std::string out = "sluice";
  for (const auto& arg : argv) out += " " + arg;
  return out;
}

// Summaries of several tasks into one: numbers add up, objects merge key by key, anything else
// keeps the first task's value.
struct Tree {
  enum Kind { kNone, kNumber, kObject, kRaw } kind = kNone;
  double number = 0;
  bool integral = true;
  std::map<std::string, Tree> children;
  std::string raw;

  void add(simdjson::dom::element element) {
    switch (element.type()) {
      case simdjson::dom::element_type::OBJECT:
        if (kind == kNone) kind = kObject;
        if (kind != kObject) return;
        {
          simdjson::dom::object object;
          if (element.get_object().get(object)) return;
          for (auto field : object) children[std::string(field.key)].add(field.value);
        }
        return;
      case simdjson::dom::element_type::INT64:
      case simdjson::dom::element_type::UINT64:
      case simdjson::dom::element_type::DOUBLE:
        if (kind == kNone) kind = kNumber;
        if (kind != kNumber) return;
        if (element.type() == simdjson::dom::element_type::DOUBLE) integral = false;
        {
          double value = 0;
          if (!element.get_double().get(value)) number += value;
        }
        return;
      default:
        if (kind == kNone) {
          kind = kRaw;
          raw = simdjson::minify(element);
        }
    }
  }

  void write(JsonWriter& json) const {
    switch (kind) {
      case kNone: json.null(); break;
      case kNumber:
        if (integral && number >= 0) json.value(static_cast<std::uint64_t>(number));
        else json.value(number);
        break;
      case kObject:
        json.begin_object();
        for (const auto& [key, child] : children) {
          json.key(key);
          child.write(json);
        }
        json.end_object();
        break;
      case kRaw: json.raw(raw); break;
    }
  }
};

struct Marker {
  int exit_code = 0;
  double seconds = 0;
  std::vector<std::string> summaries;  // raw JSON of each command's summary
};

Marker read_marker(const std::filesystem::path& file) {
  simdjson::dom::parser parser;
  const std::string text = read_small_file(file);
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) fail_at(file.string(), 0, "damaged task marker (remove it to rerun the task)");
  Marker marker;
  std::int64_t code = 0;
  if (!root["exit_code"].get_int64().get(code)) marker.exit_code = static_cast<int>(code);
  double seconds = 0;
  if (!root["seconds"].get_double().get(seconds)) marker.seconds = seconds;
  simdjson::dom::array summaries;
  if (!root["summaries"].get_array().get(summaries)) {
    for (auto summary : summaries) marker.summaries.push_back(simdjson::minify(summary));
  }
  return marker;
}

// The summary a command printed on stdout with --json, if it is one JSON value.
std::string read_summary(const std::string& file) {
  if (file.empty() || !std::filesystem::exists(file)) return "null";
  const std::string text = read_small_file(file);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) return "null";
  return simdjson::minify(root);
}

void merge_shard_outputs(const StagePlan& plan) {
  const auto out = plan.out();
  std::filesystem::remove_all(out);
  std::filesystem::create_directories(out);
  Manifest merged;
  merged.stage = plan.stage;
  merged.config_hash = plan.fingerprint;
  merged.config_json = plan.config_json;
  std::vector<ShardRecord> records;
  std::size_t next_global = 0;  // for a sources split: outputs numbered in task order
  const auto n = static_cast<std::size_t>(plan.tasks);
  for (int task = 0; task < plan.tasks; ++task) {
    const auto task_out = plan.task_dir(task) / "out";
    if (!std::filesystem::exists(task_out)) continue;
    const Manifest manifest = Manifest::load(task_out);
    std::map<std::string, std::string> names;  // task-local shard name -> global name
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(task_out)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      const std::string name = file.filename().string();
      if (name == kManifestName || is_temporary_name(name)) continue;
      const int local = shard_index(name);
      if (local < 0 || !is_document_name(name)) continue;
      const std::size_t global = plan.split == "shards" ? static_cast<std::size_t>(task) + static_cast<std::size_t>(local) * n
                                                        : next_global++;
      names[name] = renamed(name, global);
    }
    for (const auto& [local, global] : names) {
      link_or_copy(task_out / local, out / global);
      const auto rejected = task_out / kRejectedDir / local;
      if (std::filesystem::exists(rejected)) link_or_copy(rejected, out / kRejectedDir / global);
      if (const ShardRecord* record = manifest.find(local)) {
        ShardRecord copy = *record;
        copy.name = global;
        copy.input = plan.input_label + (plan.split == "shards" ? "/" + global : "");
        copy.config_hash = plan.fingerprint;
        records.push_back(std::move(copy));
      }
    }
    // Everything else the stage wrote (repos.jsonl.zst, duplicates/, ...): JSON Lines from several
    // tasks are concatenated in task order (zstd frames concatenate), other files come from the
    // first task that has them.
    for (auto it = std::filesystem::recursive_directory_iterator(task_out); it != std::filesystem::recursive_directory_iterator(); ++it) {
      if (!it->is_regular_file()) continue;
      const auto relative = it->path().lexically_relative(task_out);
      const std::string name = relative.filename().string();
      if (relative == kManifestName || is_temporary_name(name)) continue;
      const std::string top = relative.begin()->string();
      if (names.count(top) || (top == kRejectedDir && names.count(name))) continue;
      if (is_document_name(name) || extension_of(name) == ".zst" || extension_of(name) == ".gz") append_file(it->path(), out / relative);
      else if (!std::filesystem::exists(out / relative)) link_or_copy(it->path(), out / relative);
    }
  }
  std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (auto& record : records) merged.put(std::move(record));
  merged.save(out);
}

// A Slurm submission writes the stage's `started` file before its inputs exist ("pending"); the
// first task that runs fills in the input digest, so a later rerun keeps the finished tasks.
void record_inputs_known(const StagePlan& plan) {
  const auto file = plan.stage_dir / "started";
  if (!std::filesystem::exists(file)) return;
  const std::string text = read_small_file(file);
  if (text != plan.fingerprint + " pending\n") return;
  write_file_atomically(file, plan.fingerprint + " " + detail::input_identity(plan.upstream, plan.external).digest + "\n");
}

}  // namespace

int run_stage_task(const std::filesystem::path& plan_file, int task) {
  const StagePlan plan = StagePlan::load(plan_file);
  if (task < 0 || task >= plan.tasks) {
    fail_at(plan_file.string(), 0, "task " + std::to_string(task) + " does not exist (the stage has " + std::to_string(plan.tasks) + ")");
  }
  if (std::filesystem::exists(plan.task_marker(task))) return 0;
  for (const auto& dir : plan.upstream) {
    if (!detail::read_record(dir)) {
      throw Error("stage '" + plan.name + "' needs stage '" + std::filesystem::path(dir).filename().string() +
                  "', which has not finished (" + (std::filesystem::path(dir) / "stage.json").string() + " is missing)");
    }
  }
  record_inputs_known(plan);
  const auto started = std::chrono::steady_clock::now();
  std::filesystem::create_directories(plan.stage_dir / "logs");
  std::filesystem::create_directories(plan.stage_dir / "tasks");
  bool has_input = true;
  if (plan.split == "shards") {
    const auto view = plan.task_dir(task) / "in";
    std::filesystem::remove_all(view);
    std::filesystem::create_directories(view);
    const InputListing listing = list_input(plan.input_dir);
    std::size_t local = 0;
    for (std::size_t k = static_cast<std::size_t>(task); k < listing.shards.size(); k += static_cast<std::size_t>(plan.tasks)) {
      const auto name = renamed(listing.shards[k].filename().string(), local++);
      std::filesystem::create_symlink(std::filesystem::absolute(listing.shards[k]), view / name);
    }
    for (const auto& sidecar : listing.sidecars) {
      std::filesystem::create_symlink(std::filesystem::absolute(sidecar), view / sidecar.filename());
    }
    has_input = local > 0;
  }
  if (plan.split == "none") std::filesystem::create_directories(plan.out());
  else std::filesystem::create_directories(plan.task_dir(task));

  const auto log = plan.stage_dir / "logs" / ("task-" + std::to_string(task) + ".log");
  int worst = 0;
  JsonWriter marker;
  marker.begin_object().field("task", task).key("summaries").begin_array();
  if (has_input) {
    for (auto command : plan.commands[static_cast<std::size_t>(task)]) {
      if (!plan.resume_flag.empty() && std::filesystem::exists(plan.out()) && !std::filesystem::is_empty(plan.out())) {
        command.argv.push_back(plan.resume_flag);
      }
      if (!command.stdout_file.empty()) std::filesystem::create_directories(std::filesystem::path(command.stdout_file).parent_path());
      const int status = detail::run_child(plan.binary, command, log);
      if (status != 0 && status != 2) {
        const std::string how = status < 0 ? "was killed by signal " + std::to_string(-status) : "exited with status " + std::to_string(status);
        throw Error("stage '" + plan.name + "' task " + std::to_string(task) + ": '" + command_line(command.argv) + "' " + how +
                    "; its log is " + log.string() + ":" + tail_of(log, 8));
      }
      worst = std::max(worst, status);
      marker.raw(plan.json_summary ? read_summary(command.stdout_file) : "null");
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  marker.end_array().field("exit_code", worst).field("seconds", seconds).field("finished_at", detail::now_iso8601()).end_object();
  write_file_atomically(plan.task_marker(task), marker.take() + "\n");
  return 0;
}

int merge_stage(const std::filesystem::path& plan_file) {
  const StagePlan plan = StagePlan::load(plan_file);
  std::vector<Marker> markers;
  for (int task = 0; task < plan.tasks; ++task) {
    if (!std::filesystem::exists(plan.task_marker(task))) {
      throw Error("stage '" + plan.name + "': task " + std::to_string(task) + " has not finished (" +
                  plan.task_marker(task).string() + " is missing); rerun 'sluice run' to run the missing tasks");
    }
    markers.push_back(read_marker(plan.task_marker(task)));
  }
  record_inputs_known(plan);
  if (plan.split != "none") merge_shard_outputs(plan);

  Tree summary;
  double seconds = 0, wall = 0;
  int worst = 0;
  simdjson::dom::parser parser;
  for (const auto& marker : markers) {
    seconds += marker.seconds;
    wall = std::max(wall, marker.seconds);
    worst = std::max(worst, marker.exit_code);
    for (const auto& raw : marker.summaries) {
      simdjson::dom::element element;
      if (!parser.parse(raw).get(element) && !element.is_null()) summary.add(element);
    }
  }
  const auto outputs = detail::list_outputs(plan.out());
  const auto inputs = detail::input_identity(plan.upstream, plan.external);

  JsonWriter json(true);
  json.begin_object();
  json.field("name", plan.name).field("stage", plan.stage).field("fingerprint", plan.fingerprint);
  json.key("config").raw(plan.config_json);
  json.field("tool_version", plan.tool_version).field("tasks", plan.tasks);
  json.key("commands").begin_array();
  for (const auto& task : plan.commands) {
    for (const auto& command : task) json.value(command_line(command.argv));
  }
  json.end_array();
  json.key("inputs").begin_object().field("digest", inputs.digest).key("sources").raw(inputs.json).end_object();
  json.key("outputs").begin_object().field("digest", detail::digest_of(outputs)).key("files").raw(detail::files_json(outputs)).end_object();
  json.field("exit_code", worst).field("seconds", seconds).field("task_seconds_max", wall);
  json.field("finished_at", detail::now_iso8601());
  json.key("summary");
  summary.write(json);
  json.end_object();
  write_file_atomically(plan.record_file(), json.take() + "\n");
  return 0;
}

}  // namespace sluice::pipelines
