// sbatch and squeue driven through their command lines, as a user would: nothing here needs the
// Slurm libraries, so the same binary works against any cluster whose client tools are on PATH.
#include "slurm.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <sstream>

#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice::pipelines::detail {
namespace {

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

// Runs a command line through /bin/sh and returns its stdout; throws with stderr on failure.
std::string capture(const std::string& command) {
  const std::string full = command + " 2>&1";
  FILE* pipe = ::popen(full.c_str(), "r");
  if (!pipe) fail_errno("cannot run", command);
  std::string out;
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  if (status != 0) throw Error("'" + command + "' failed: " + out);
  return out;
}

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string sbatch(const std::vector<std::string>& args) {
  std::string command = "sbatch --parsable";
  for (const auto& arg : args) command += " " + shell_quote(arg);
  std::string id = trim(capture(command));
  const auto semicolon = id.find(';');  // "id;cluster"
  if (semicolon != std::string::npos) id.resize(semicolon);
  const auto newline = id.rfind('\n');
  if (newline != std::string::npos) id = id.substr(newline + 1);
  return id;
}

void write_script(const std::filesystem::path& path, const std::string& body) {
  write_file_atomically(path, "#!/bin/sh\n# Written by sluice run; reruns are safe (completed tasks are skipped).\nset -e\n" + body);
  std::filesystem::permissions(path, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                         std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                                         std::filesystem::perms::others_exec);
}

std::vector<std::string> common_args(const SlurmSettings& settings, bool training) {
  std::vector<std::string> args;
  if (!settings.partition.empty()) args.push_back("--partition=" + settings.partition);
  if (!settings.account.empty()) args.push_back("--account=" + settings.account);
  const std::string time = training && !settings.training_time.empty() ? settings.training_time : settings.time;
  if (!time.empty()) args.push_back("--time=" + time);
  if (!settings.mem.empty()) args.push_back("--mem=" + settings.mem);
  const int cpus = training && settings.training_cpus > 0 ? settings.training_cpus : settings.cpus_per_task;
  args.push_back("--cpus-per-task=" + std::to_string(cpus > 0 ? cpus : 1));
  for (const auto& extra : settings.extra) args.push_back(extra);
  return args;
}

std::string dependency(const std::vector<std::string>& after) {
  std::string out = "--dependency=afterok";
  for (const auto& job : after) out += ":" + job;
  return out;
}

}  // namespace

std::string array_spec(const std::vector<int>& tasks) {
  std::string out;
  for (std::size_t i = 0; i < tasks.size();) {
    std::size_t j = i;
    while (j + 1 < tasks.size() && tasks[j + 1] == tasks[j] + 1) ++j;
    if (!out.empty()) out += ",";
    out += std::to_string(tasks[i]);
    if (j > i) out += "-" + std::to_string(tasks[j]);
    i = j + 1;
  }
  return out;
}

std::string submit_stage(const SlurmSettings& settings, const SlurmSubmission& submission,
                         const std::vector<std::string>& after, std::vector<std::string>& all_jobs) {
  const StagePlan& plan = *submission.plan;
  const auto slurm_dir = plan.stage_dir / "slurm";
  const auto logs = plan.stage_dir / "logs";
  std::filesystem::create_directories(slurm_dir);
  std::filesystem::create_directories(logs);
  const std::string binary = shell_quote(plan.binary);
  const std::string plan_file = shell_quote(submission.plan_file.string());

  std::vector<std::string> task_jobs;
  if (!submission.missing_tasks.empty()) {
    const bool array = plan.split != "none";
    const auto script = slurm_dir / "task.sh";
    std::string body = "exec " + binary + " pipeline-task " + plan_file + " \"${SLURM_ARRAY_TASK_ID:-0}\"\n";
    if (!array) {
      // One job does the work and writes the record: no separate merge job for a single task.
      body = binary + " pipeline-task " + plan_file + " 0\nexec " + binary + " pipeline-merge " + plan_file + "\n";
    }
    write_script(script, body);
    auto args = common_args(settings, submission.training);
    args.push_back("--job-name=sluice-" + plan.name);
    if (array) {
      args.push_back("--array=" + array_spec(submission.missing_tasks));
      args.push_back("--output=" + (logs / "slurm-%A_%a.out").string());
    } else {
      args.push_back("--output=" + (logs / "slurm-%j.out").string());
    }
    if (!after.empty()) {
      args.push_back(dependency(after));
      args.push_back("--kill-on-invalid-dep=yes");
    }
    args.push_back(script.string());
    const std::string job = sbatch(args);
    all_jobs.push_back(job);
    if (!array) return job;
    task_jobs.push_back(job);
  } else {
    task_jobs = after;
  }
  // The merge: one small job after every task of the array succeeded.
  const auto script = slurm_dir / "merge.sh";
  write_script(script, "exec " + binary + " pipeline-merge " + plan_file + "\n");
  auto args = common_args(settings, false);
  args.push_back("--job-name=sluice-" + plan.name + "-merge");
  args.push_back("--output=" + (logs / "slurm-merge-%j.out").string());
  if (!task_jobs.empty()) {
    args.push_back(dependency(task_jobs));
    args.push_back("--kill-on-invalid-dep=yes");
  }
  args.push_back(script.string());
  const std::string job = sbatch(args);
  all_jobs.push_back(job);
  return job;
}

std::vector<std::string> jobs_in_queue(const std::vector<std::string>& jobs) {
  if (jobs.empty()) return {};
  std::string list;
  for (const auto& job : jobs) list += (list.empty() ? "" : ",") + job;
  // squeue names array tasks "ID_N"; %F is the array's own job id, %i the task's.
  std::string out;
  try {
    out = capture("squeue -h -o '%F %i' -j " + shell_quote(list));
  } catch (const Error&) {
    // squeue fails for ids that left the queue long ago on some versions: ask one by one.
    std::vector<std::string> alive;
    for (const auto& job : jobs) {
      try {
        if (!trim(capture("squeue -h -o '%i' -j " + shell_quote(job))).empty()) alive.push_back(job);
      } catch (const Error&) {
      }
    }
    return alive;
  }
  std::vector<std::string> alive;
  std::istringstream lines(out);
  std::string array_id, task_id;
  while (lines >> array_id >> task_id) {
    for (const auto& job : jobs) {
      if ((job == array_id || job == task_id) && std::find(alive.begin(), alive.end(), job) == alive.end()) alive.push_back(job);
    }
  }
  return alive;
}

}  // namespace sluice::pipelines::detail
