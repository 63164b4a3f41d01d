// sluice run: one pipeline file runs the whole chain, resumably, on this machine or on Slurm;
// and the two steps its executors run for every stage (pipeline-task, pipeline-merge).
#include <filesystem>

#include "../command.h"
#include "../version_info.h"
#include "sluice/core/error.h"
#include "sluice/pipelines/pipeline.h"
#include "sluice/pipelines/runner.h"

namespace sluice::cli {
namespace {

std::filesystem::path self_binary() {
  std::error_code error;
  auto path = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) throw sluice::Error("cannot find the sluice binary (/proc/self/exe): " + error.message());
  return path;
}

std::vector<std::string> command_words() {
  std::vector<std::string> words;
  for (const auto& command : registered_commands()) words.push_back(command.name);
  return words;
}

const bool registered_run = register_command({
    "run", "Run a pipeline file: every stage in order, resumable, locally or on Slurm", 200,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<pipelines::RunOptions>();
      auto file = std::make_shared<std::string>();
      app.footer(
          "Run the stages of PIPELINE.yaml in order, each as a child process 'sluice STAGE ...'.\n"
          "The run directory records, per stage, the exact options, the tool version and the\n"
          "inputs it read; a second run redoes only what is not done: a stage whose options\n"
          "changed runs again, with the stages after it that read its output. Killed at any\n"
          "moment, a run started again ends with the same bytes. See docs/pipelines.md.");
      app.add_option("pipeline", *file, "Pipeline file (YAML)")->required();
      app.add_option("--run-dir", options->run_dir, "Run directory (default: the file's run_dir)");
      app.add_option("--executor", options->executor, "local (this machine) or slurm (sbatch array jobs)")
          ->default_val("local")
          ->check(CLI::IsMember({"local", "slurm"}));
      app.add_flag("--dry-run", options->dry_run, "Print the resolved plan and what is already done; run nothing");
      app.add_option("--from", options->from, "Redo this stage and the ones after it");
      app.add_option("--to", options->to, "Stop after this stage");
      add_json_flag(app, options->json);
      return [options, file] {
        options->tool_version = std::string(kSluiceVersion) + " (" + kSluiceCommit + ")";
        options->binary = self_binary();
        options->available_commands = command_words();
        return pipelines::run_pipeline(pipelines::load_pipeline(*file), *options);
      };
    }});

const bool registered_task = register_command({
    "pipeline-task", "(used by 'sluice run') run one task of a stage plan", 900,
    [](CLI::App& app) -> RunFunction {
      auto plan = std::make_shared<std::string>();
      auto task = std::make_shared<int>(0);
      app.add_option("plan", *plan, "RUN/stages/NAME/plan.json")->required();
      app.add_option("task", *task, "Task index (Slurm: $SLURM_ARRAY_TASK_ID)")->required();
      return [plan, task] { return pipelines::run_stage_task(*plan, *task); };
    }});

const bool registered_merge = register_command({
    "pipeline-merge", "(used by 'sluice run') join a stage's tasks and record the stage", 901,
    [](CLI::App& app) -> RunFunction {
      auto plan = std::make_shared<std::string>();
      app.add_option("plan", *plan, "RUN/stages/NAME/plan.json")->required();
      return [plan] { return pipelines::merge_stage(*plan); };
    }});

}  // namespace
}  // namespace sluice::cli
