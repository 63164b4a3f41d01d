#pragma once
// What a pipeline file may say about each stage: the subcommand it runs, how its work splits into
// tasks, and the schema of its options (known keys and their types). The schema is checked before
// any work starts, so a typo never costs a half-finished run.
#include <string>
#include <vector>

namespace sluice::pipelines {

enum class ValueType {
  kString,
  kPath,        // resolved against the pipeline file's directory
  kInt,
  kNumber,
  kBool,
  kStringList,  // one `--flag value` per element
  kPathList,
  kMap,         // written to a JSON file whose path is passed (model config)
  kStageRef,    // the name of an earlier stage (its output) or a path
  kStageRefList,
  kChoice,
};

const char* type_name(ValueType type);

struct OptionSpec {
  std::string key;                  // YAML key (snake_case)
  ValueType type;
  std::string flag;                 // command-line flag; empty = positional arguments
  bool required = false;
  std::vector<std::string> choices; // for kChoice
};

// How the work of a stage is divided among the tasks of an array job.
enum class Split {
  kNone,     // one task (global work: dedup, tokenizer training, training)
  kShards,   // input shard k goes to task k mod N and comes back as output shard k
  kSources,  // source j goes to task j mod N; outputs are renumbered in task order
};

struct StageSpec {
  std::string name;                 // as written in `stage:` ("tokenizer train")
  std::vector<std::string> command; // subcommand words
  Split split = Split::kNone;
  bool training = false;            // submitted as one job with the training resources
  std::string in_flag;              // "--in", "--data", or empty (no upstream input)
  std::string out_flag = "--out";   // empty: the stage writes no output of its own (eval)
  std::string out_file;             // non-empty: the output is this file inside the stage's out/
  bool json_summary = false;        // accepts --json and prints its summary on stdout
  bool resume_flag = false;         // accepts --resume to continue a killed run
  std::vector<OptionSpec> options;
  std::string summary;
  std::string per_item_out_flag;    // per-checkpoint stages: this flag gets out/<checkpoint>/

  const OptionSpec* find(const std::string& key) const;
  // True when the output is a shard set of documents another stage can read.
  bool writes_documents() const;
};

const std::vector<StageSpec>& stage_catalog();
const StageSpec* find_stage(const std::string& name);

}  // namespace sluice::pipelines
