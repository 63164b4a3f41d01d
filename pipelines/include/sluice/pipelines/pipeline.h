#pragma once
// A pipeline file, parsed and checked against the stage catalogue. Every error names the file and
// the line of the offending key or value and is raised before any work starts.
//
//   run_dir: runs/demo          # relative to the file; `sluice run --run-dir` overrides it
//   tasks: 4                    # array width of the stages that split (default 1)
//   slurm: {partition: cpu, time: "02:00:00", cpus_per_task: 2}
//   stages:
//     - stage: ingest           # the subcommand (see catalog.h)
//       name: raw               # optional, default = the stage; unique
//       sources: [../repo]
//     - stage: dedup            # `in:` defaults to the stage before
//       mode: both
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/pipelines/catalog.h"

namespace sluice::pipelines {

struct OptionValue {
  const OptionSpec* spec = nullptr;
  std::vector<std::string> items;  // one item for scalars; paths already made absolute
  std::string map_json;            // kMap: the mapping as a JSON object
  int line = 0;
};

struct StageConfig {
  std::string name;
  const StageSpec* spec = nullptr;
  std::string input_stage;              // the stage whose output is the input, or empty
  std::filesystem::path input_path;     // an external input when input_stage is empty
  std::vector<OptionValue> options;     // in catalogue order, only those that were given
  int tasks = 1;
  int line = 0;

  const OptionValue* option(const std::string& key) const;
  // Every earlier stage this one reads: its input and the stages named by its options.
  std::vector<std::string> upstream() const;
};

struct SlurmSettings {
  std::string partition;
  std::string account;
  std::string time = "01:00:00";
  std::string mem;
  int cpus_per_task = 1;
  std::string training_time;  // empty = time
  int training_cpus = 0;      // 0 = cpus_per_task
  std::vector<std::string> extra;  // more sbatch arguments, verbatim
};

struct Pipeline {
  std::filesystem::path file;
  std::string text;                 // the file exactly as read
  std::filesystem::path run_dir;
  int tasks = 1;
  int parallel = 0;                 // local executor: tasks at once (0 = one per CPU)
  SlurmSettings slurm;
  std::vector<StageConfig> stages;

  const StageConfig* find(const std::string& name) const;
  int index_of(const std::string& name) const;  // -1 when absent
};

Pipeline load_pipeline(const std::filesystem::path& file);
Pipeline parse_pipeline(const std::string& text, const std::filesystem::path& file_for_errors);

// True for values that name a remote repository rather than a local path.
bool looks_like_url(const std::string& value);

}  // namespace sluice::pipelines
