#pragma once
// `sluice run`: turns a pipeline into stage plans inside a run directory and executes them with the
// local or the Slurm executor. Both executors run the same two steps for every stage, as child
// processes of the same binary: `sluice pipeline-task PLAN I` (task I of the stage) and
// `sluice pipeline-merge PLAN` (join the tasks' outputs, write the stage record). So a stage gives
// the same bytes whichever executor ran it. The run directory layout is in docs/pipelines.md.
#include <filesystem>
#include <string>
#include <vector>

#include "sluice/pipelines/pipeline.h"

namespace sluice::pipelines {

struct RunOptions {
  std::filesystem::path run_dir;   // empty: the pipeline's run_dir
  std::string executor = "local";  // local | slurm
  bool dry_run = false;
  std::string from;                // redo this stage and the ones after it
  std::string to;                  // stop after this stage
  bool json = false;
  std::string tool_version;
  std::filesystem::path binary;    // the sluice executable the tasks run
  std::vector<std::string> available_commands;  // subcommands this binary has
};

// Returns the exit status: 0 done, 1 error, 2 finished with stages that reported failed items.
int run_pipeline(Pipeline pipeline, const RunOptions& options);

// The two steps every executor runs; `plan` is RUN/stages/NAME/plan.json.
int run_stage_task(const std::filesystem::path& plan, int task);
int merge_stage(const std::filesystem::path& plan);

}  // namespace sluice::pipelines
