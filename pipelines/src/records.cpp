// The plan and record files of a run directory, and output listings.
#include <simdjson.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "internal.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice::pipelines::detail {
namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& text, const std::filesystem::path& file) {
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) fail_at(file.string(), 0, "not valid JSON (remove the file to start this stage over)");
  return root;
}

std::string get_string(simdjson::dom::element object, const char* key) {
  std::string_view value;
  if (object[key].get_string().get(value)) return "";
  return std::string(value);
}

std::vector<FileEntry> parse_files(simdjson::dom::element array) {
  std::vector<FileEntry> files;
  simdjson::dom::array entries;
  if (array.get_array().get(entries)) return files;
  for (auto entry : entries) {
    FileEntry file;
    file.path = get_string(entry, "path");
    file.xxh3 = get_string(entry, "xxh3");
    std::uint64_t size = 0;
    if (!entry["size"].get_uint64().get(size)) file.size = size;
    files.push_back(std::move(file));
  }
  return files;
}

void walk(const std::filesystem::path& root, const std::filesystem::path& dir, std::vector<FileEntry>& files) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_directory()) {
      walk(root, entry.path(), files);
    } else if (entry.is_regular_file()) {
      if (is_temporary_name(entry.path().filename().string())) continue;
      FileEntry file;
      file.path = entry.path().lexically_relative(root).generic_string();
      file.size = entry.file_size();
      files.push_back(std::move(file));
    }
  }
}

// A git repository (work tree or bare) is identified by the commit of HEAD: ingest reads that
// tree, not the files around it (a work tree may hold build outputs that change all the time).
std::optional<std::string> git_head(const std::string& path) {
  const std::filesystem::path dir(path);
  std::error_code error;
  const bool work_tree = std::filesystem::exists(dir / ".git", error);
  const bool bare = std::filesystem::exists(dir / "HEAD", error) && std::filesystem::is_directory(dir / "objects", error);
  if (!work_tree && !bare) return std::nullopt;
  const std::string command = "git -C '" + path + "' rev-parse -q --verify HEAD 2>/dev/null";
  if (path.find('\'') != std::string::npos) return std::nullopt;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  char buffer[128] = {};
  const std::size_t n = std::fread(buffer, 1, sizeof buffer - 1, pipe);
  ::pclose(pipe);
  std::string head(buffer, n);
  while (!head.empty() && (head.back() == '\n' || head.back() == '\r')) head.pop_back();
  if (head.empty()) return std::nullopt;
  return head;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& path) { return read_small_file(path); }

std::string StagePlan::to_json() const {
  JsonWriter json(true);
  json.begin_object();
  json.field("name", name).field("stage", stage).field("split", split).field("tasks", tasks);
  json.field("fingerprint", fingerprint).key("config").raw(config_json);
  json.field("tool_version", tool_version).field("binary", binary);
  json.field("stage_dir", stage_dir.string()).field("input_dir", input_dir.string()).field("input_label", input_label);
  json.key("upstream").begin_array();
  for (const auto& dir : upstream) json.value(dir);
  json.end_array();
  json.key("external").begin_array();
  for (const auto& path : external) json.value(path);
  json.end_array();
  json.field("resume_flag", resume_flag).field("json_summary", json_summary);
  json.key("commands").begin_array();
  for (const auto& task : commands) {
    json.begin_array();
    for (const auto& command : task) {
      json.begin_object().key("argv").begin_array();
      for (const auto& arg : command.argv) json.value(arg);
      json.end_array().field("stdout", command.stdout_file).end_object();
    }
    json.end_array();
  }
  json.end_array();
  json.end_object();
  return json.take() + "\n";
}

StagePlan StagePlan::load(const std::filesystem::path& file) {
  simdjson::dom::parser parser;
  const std::string text = read_small_file(file);
  const auto root = parse(parser, text, file);
  StagePlan plan;
  plan.name = get_string(root, "name");
  plan.stage = get_string(root, "stage");
  plan.split = get_string(root, "split");
  std::int64_t tasks = 1;
  if (!root["tasks"].get_int64().get(tasks)) plan.tasks = static_cast<int>(tasks);
  plan.fingerprint = get_string(root, "fingerprint");
  plan.config_json = simdjson::minify(root["config"]);
  plan.tool_version = get_string(root, "tool_version");
  plan.binary = get_string(root, "binary");
  plan.stage_dir = get_string(root, "stage_dir");
  plan.input_dir = get_string(root, "input_dir");
  plan.input_label = get_string(root, "input_label");
  plan.resume_flag = get_string(root, "resume_flag");
  bool summary = false;
  if (!root["json_summary"].get_bool().get(summary)) plan.json_summary = summary;
  auto strings = [](simdjson::dom::element element) {
    std::vector<std::string> out;
    simdjson::dom::array items;
    if (element.get_array().get(items)) return out;
    for (auto item : items) {
      std::string_view value;
      if (!item.get_string().get(value)) out.emplace_back(value);
    }
    return out;
  };
  plan.upstream = strings(root["upstream"]);
  plan.external = strings(root["external"]);
  simdjson::dom::array tasks_array;
  if (!root["commands"].get_array().get(tasks_array)) {
    for (auto task : tasks_array) {
      std::vector<Command> commands;
      simdjson::dom::array entries;
      if (task.get_array().get(entries)) continue;
      for (auto entry : entries) {
        Command command;
        command.argv = strings(entry["argv"]);
        command.stdout_file = get_string(entry, "stdout");
        commands.push_back(std::move(command));
      }
      plan.commands.push_back(std::move(commands));
    }
  }
  if (plan.name.empty() || plan.stage_dir.empty() || plan.commands.size() != static_cast<std::size_t>(plan.tasks)) {
    fail_at(file.string(), 0, "incomplete stage plan (rerun 'sluice run' to write it again)");
  }
  return plan;
}

std::vector<FileEntry> list_outputs(const std::filesystem::path& root) {
  std::vector<FileEntry> files;
  if (!std::filesystem::exists(root)) return files;
  walk(root, root, files);
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  for (auto& file : files) file.xxh3 = hash_file(root / file.path).hex();
  return files;
}

std::string digest_of(const std::vector<FileEntry>& files) {
  std::string listing;
  for (const auto& file : files) listing += file.path + "\t" + std::to_string(file.size) + "\t" + file.xxh3 + "\n";
  return xxh3_128(listing).hex();
}

std::string files_json(const std::vector<FileEntry>& files) {
  JsonWriter json;
  json.begin_array();
  for (const auto& file : files) {
    json.begin_object().field("path", file.path).field("size", file.size).field("xxh3", file.xxh3).end_object();
  }
  json.end_array();
  return json.take();
}

std::optional<StageRecord> read_record(const std::filesystem::path& stage_dir) {
  const auto file = stage_dir / "stage.json";
  if (!std::filesystem::exists(file)) return std::nullopt;
  simdjson::dom::parser parser;
  const std::string text = read_small_file(file);
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) return std::nullopt;  // a damaged record: the stage runs again
  StageRecord record;
  record.fingerprint = get_string(root, "fingerprint");
  record.input_digest = get_string(root["inputs"], "digest");
  record.output_digest = get_string(root["outputs"], "digest");
  record.outputs = parse_files(root["outputs"]["files"]);
  std::int64_t exit_code = 0;
  if (!root["exit_code"].get_int64().get(exit_code)) record.exit_code = static_cast<int>(exit_code);
  double seconds = 0;
  if (!root["seconds"].get_double().get(seconds)) record.seconds = seconds;
  return record;
}

bool outputs_intact(const std::filesystem::path& stage_dir, const StageRecord& record) {
  for (const auto& file : record.outputs) {
    std::error_code error;
    const auto size = std::filesystem::file_size(stage_dir / "out" / file.path, error);
    if (error || size != file.size) return false;
  }
  return true;
}

InputIdentity input_identity(const std::vector<std::string>& upstream_dirs, const std::vector<std::string>& external) {
  InputIdentity identity;
  std::string basis;
  JsonWriter json;
  json.begin_array();
  for (const auto& dir : upstream_dirs) {
    const auto record = read_record(dir);
    if (!record) identity.complete = false;
    const std::string digest = record ? record->output_digest : "pending";
    basis += "stage " + std::filesystem::path(dir).filename().string() + " " + digest + "\n";
    json.begin_object().field("stage", std::filesystem::path(dir).filename().string()).field("digest", digest).end_object();
  }
  for (const auto& entry : external) {
    const bool repository = entry.rfind("git:", 0) == 0;
    const std::string path = repository ? entry.substr(4) : entry;
    if (const auto head = repository ? git_head(path) : std::nullopt) {
      basis += "git " + path + " " + *head + "\n";
      json.begin_object().field("path", path).field("git_head", *head).end_object();
      continue;
    }
    // Outside inputs are identified by their listing (names, sizes, modification times), which
    // is cheap for large documentation trees; the run records it beside the stage.
    std::uint64_t files = 0, bytes = 0;
    std::int64_t newest = 0;
    std::error_code error;
    auto account = [&](const std::filesystem::path& file) {
      struct stat info {};
      if (::stat(file.c_str(), &info) != 0) return;
      ++files;
      bytes += static_cast<std::uint64_t>(info.st_size);
      newest = std::max<std::int64_t>(newest, static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec);
    };
    if (std::filesystem::is_directory(path, error)) {
      for (auto it = std::filesystem::recursive_directory_iterator(path, std::filesystem::directory_options::skip_permission_denied, error);
           !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_regular_file(error)) account(it->path());
      }
    } else if (std::filesystem::exists(path, error)) {
      account(path);
    }
    basis += "path " + path + " " + std::to_string(files) + " " + std::to_string(bytes) + " " + std::to_string(newest) + "\n";
    json.begin_object().field("path", path).field("files", files).field("bytes", bytes).field("newest_mtime_ns", newest).end_object();
  }
  json.end_array();
  identity.digest = xxh3_128(basis).hex();
  identity.json = json.take();
  return identity;
}

std::string now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

}  // namespace sluice::pipelines::detail
