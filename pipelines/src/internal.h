#pragma once
// Pieces shared by the driver, the task runner and the report: the stage plan file, the stage
// record, output listings and child processes. Not part of the public API.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::pipelines::detail {

// One child process: `binary argv...`, stdout to a file (or the parent's stderr when empty).
struct Command {
  std::vector<std::string> argv;
  std::string stdout_file;
};

// Everything a task or the merge needs, written to RUN/stages/NAME/plan.json by the driver so a
// Slurm job on another node needs nothing else.
struct StagePlan {
  std::string name;
  std::string stage;           // catalogue name
  std::string split;           // none | shards | sources
  int tasks = 1;
  std::string fingerprint;     // XXH3-128 of config_json
  std::string config_json;     // canonical options
  std::string tool_version;
  std::string binary;
  std::filesystem::path stage_dir;
  std::filesystem::path input_dir;   // what a shards split reads; empty otherwise
  std::string input_label;           // upstream stage name or external path
  std::vector<std::string> upstream; // stage dirs whose records are inputs
  std::vector<std::string> external; // external input paths ("git:PATH" for a repository)
  std::string resume_flag;
  bool json_summary = false;
  std::vector<std::vector<Command>> commands;  // per task

  std::filesystem::path out() const { return stage_dir / "out"; }
  std::filesystem::path task_dir(int task) const { return stage_dir / "tasks" / std::to_string(task); }
  std::filesystem::path task_marker(int task) const {
    return stage_dir / "tasks" / (std::to_string(task) + ".done.json");
  }
  std::filesystem::path record_file() const { return stage_dir / "stage.json"; }

  std::string to_json() const;
  static StagePlan load(const std::filesystem::path& file);
};

struct FileEntry {
  std::string path;  // relative, '/'-separated
  std::uint64_t size = 0;
  std::string xxh3;
};

// Every regular file below `root`, sorted, with its XXH3-128.
std::vector<FileEntry> list_outputs(const std::filesystem::path& root);
std::string digest_of(const std::vector<FileEntry>& files);
std::string files_json(const std::vector<FileEntry>& files);

// RUN/stages/NAME/stage.json: written last, so its presence means the stage finished.
struct StageRecord {
  std::string fingerprint;
  std::string input_digest;
  std::string output_digest;
  std::vector<FileEntry> outputs;
  int exit_code = 0;
  double seconds = 0;
};
std::optional<StageRecord> read_record(const std::filesystem::path& stage_dir);
// True when every recorded output is still there with its size.
bool outputs_intact(const std::filesystem::path& stage_dir, const StageRecord& record);

// The identity of a plan's inputs: upstream records' output digests and external paths' listing.
struct InputIdentity {
  std::string digest;
  std::string json;
  bool complete = true;  // false when an upstream stage has no record yet
};
InputIdentity input_identity(const std::vector<std::string>& upstream_dirs, const std::vector<std::string>& external);

// Runs `binary argv` and waits. The child dies with its parent (a killed run leaves no orphans),
// stderr goes to `log` (appended) when given. Returns the exit status or -signal.
int run_child(const std::string& binary, const Command& command, const std::filesystem::path& log);
// Starts `binary args` without waiting (for the local executor's parallel tasks).
int spawn_child(const std::string& binary, const std::vector<std::string>& args);
void die_with_parent();

std::string now_iso8601();
std::string read_text_file(const std::filesystem::path& path);

}  // namespace sluice::pipelines::detail
