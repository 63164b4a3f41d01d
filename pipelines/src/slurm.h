#pragma once
// The Slurm executor's side of a run: sbatch submissions with afterok dependencies and a wait
// on the queue. Jobs run `sluice pipeline-task` / `sluice pipeline-merge`, like local tasks.
#include <filesystem>
#include <string>
#include <vector>

#include "internal.h"
#include "sluice/pipelines/pipeline.h"

namespace sluice::pipelines::detail {

struct SlurmSubmission {
  const StagePlan* plan = nullptr;
  std::filesystem::path plan_file;
  std::vector<int> missing_tasks;
  bool training = false;
};

// Submits the missing tasks of one stage (an array job, or one job for a single task) and the
// job that merges them, each depending on `after`. Returns the job the next stage waits for.
std::string submit_stage(const SlurmSettings& settings, const SlurmSubmission& submission,
                         const std::vector<std::string>& after, std::vector<std::string>& all_jobs);

// Job ids among `jobs` that are still pending or running.
std::vector<std::string> jobs_in_queue(const std::vector<std::string>& jobs);

// "1-3,7": a compact --array list.
std::string array_spec(const std::vector<int>& tasks);

}  // namespace sluice::pipelines::detail
