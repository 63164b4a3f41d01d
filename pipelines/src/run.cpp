// The driver of `sluice run`: resolves every stage into a plan, decides what is already done,
// holds the run directory's lock, and executes what is left with the chosen executor.
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <memory>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "internal.h"
#include "slurm.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/pipelines/runner.h"

namespace sluice::pipelines {
namespace {

using detail::Command;
using detail::StagePlan;

std::string split_name(Split split) {
  switch (split) {
    case Split::kNone: return "none";
    case Split::kShards: return "shards";
    case Split::kSources: return "sources";
  }
  return "none";
}

std::filesystem::path stage_dir(const std::filesystem::path& run_dir, const std::string& name) { return run_dir / "stages" / name; }

// Where a stage reference points: the referenced stage's output (its file when it makes one).
std::string resolve_ref(const Pipeline& pipeline, const std::filesystem::path& run_dir, const std::string& item) {
  const StageConfig* target = pipeline.find(item);
  if (!target) return item;  // a path
  auto out = stage_dir(run_dir, item) / "out";
  if (!target->spec->out_file.empty()) out /= target->spec->out_file;
  return out.string();
}

// The options as canonical JSON: what the fingerprint covers. Stage references stay names (the
// referenced output's identity is part of the inputs), so moving a run directory redoes nothing.
std::string canonical_config(const StageConfig& stage) {
  JsonWriter json;
  json.begin_object().field("stage", stage.spec->name);
  if (!stage.input_path.empty()) json.field("in", stage.input_path.string());
  if (stage.spec->split == Split::kSources) json.field("tasks", stage.tasks);
  json.key("options").begin_object();
  for (const auto& value : stage.options) {
    json.key(value.spec->key);
    switch (value.spec->type) {
      case ValueType::kInt:
      case ValueType::kNumber:
      case ValueType::kBool: json.raw(value.items.front()); break;
      case ValueType::kMap: json.raw(value.map_json); break;
      case ValueType::kStringList:
      case ValueType::kPathList:
      case ValueType::kStageRefList:
        json.begin_array();
        for (const auto& item : value.items) json.value(item);
        json.end_array();
        break;
      default: json.value(value.items.front());
    }
  }
  json.end_object().end_object();
  return json.take();
}

StagePlan make_plan(const Pipeline& pipeline, const StageConfig& stage, const std::filesystem::path& run_dir,
                    const RunOptions& options) {
  StagePlan plan;
  const StageSpec& spec = *stage.spec;
  plan.name = stage.name;
  plan.stage = spec.name;
  plan.split = split_name(spec.split);
  plan.tasks = spec.split == Split::kNone ? 1 : stage.tasks;
  plan.config_json = canonical_config(stage);
  plan.fingerprint = xxh3_128(plan.config_json).hex();
  plan.tool_version = options.tool_version;
  plan.binary = options.binary.string();
  plan.stage_dir = stage_dir(run_dir, stage.name);
  plan.resume_flag = spec.resume_flag ? "--resume" : "";
  plan.json_summary = spec.json_summary;
  for (const auto& name : stage.upstream()) plan.upstream.push_back(stage_dir(run_dir, name).string());
  if (!stage.input_stage.empty()) {
    plan.input_dir = stage_dir(run_dir, stage.input_stage) / "out";
    plan.input_label = stage.input_stage;
  } else if (!stage.input_path.empty()) {
    plan.input_dir = stage.input_path;
    plan.input_label = stage.input_path.string();
    plan.external.push_back(stage.input_path.string());
  }
  for (const auto& value : stage.options) {
    if (value.spec->type == ValueType::kPath || value.spec->type == ValueType::kPathList) {
      for (const auto& item : value.items) {
        // Repositories are identified by their HEAD commit (what ingest reads), not by a walk.
        if (!looks_like_url(item)) plan.external.push_back(value.spec->key == "sources" ? "git:" + item : item);
      }
    }
  }

  // Sources split across tasks: ingest's repositories and documentation paths, round robin.
  std::vector<std::pair<const OptionSpec*, std::string>> sources;
  if (spec.split == Split::kSources) {
    for (const auto& value : stage.options) {
      if (value.spec->key != "sources" && value.spec->key != "docs") continue;
      for (const auto& item : value.items) sources.emplace_back(value.spec, item);
    }
  }
  const OptionValue* per_item = nullptr;  // eval, eval-code: one command per checkpoint
  for (const auto& value : stage.options) {
    if (value.spec->type == ValueType::kStageRefList) per_item = &value;
  }

  for (int task = 0; task < plan.tasks; ++task) {
    std::vector<std::string> base = spec.command;
    const bool split = spec.split != Split::kNone;
    if (!spec.in_flag.empty()) {
      base.push_back(spec.in_flag);
      base.push_back(spec.split == Split::kShards ? (plan.task_dir(task) / "in").string() : plan.input_dir.string());
    }
    if (!spec.out_flag.empty()) {
      base.push_back(spec.out_flag);
      auto out = split ? plan.task_dir(task) / "out" : plan.out();
      if (!spec.out_file.empty()) out /= spec.out_file;
      base.push_back(out.string());
    }
    std::vector<std::string> positional;
    for (const auto& value : stage.options) {
      const OptionSpec& option = *value.spec;
      if (&value == per_item) continue;
      if (spec.split == Split::kSources && (option.key == "sources" || option.key == "docs")) continue;
      // A list file of repositories is not split: task 0 reads it, so nothing is ingested twice.
      if (spec.split == Split::kSources && option.key == "repos" && task != 0) continue;
      switch (option.type) {
        case ValueType::kBool:
          if (value.items.front() == "true") base.push_back(option.flag);
          break;
        case ValueType::kMap:
          base.push_back(option.flag);
          base.push_back((plan.stage_dir / (option.key + ".json")).string());
          break;
        case ValueType::kStringList:
        case ValueType::kPathList:
        case ValueType::kStageRefList:
          for (const auto& item : value.items) {
            if (option.flag.empty()) {
              positional.push_back(item);
            } else {
              base.push_back(option.flag);
              base.push_back(option.type == ValueType::kStageRefList ? resolve_ref(pipeline, run_dir, item) : item);
            }
          }
          break;
        case ValueType::kStageRef:
          base.push_back(option.flag);
          base.push_back(resolve_ref(pipeline, run_dir, value.items.front()));
          break;
        default:
          base.push_back(option.flag);
          base.push_back(value.items.front());
      }
    }
    for (std::size_t j = static_cast<std::size_t>(task); j < sources.size(); j += static_cast<std::size_t>(plan.tasks)) {
      if (sources[j].first->flag.empty()) {
        positional.push_back(sources[j].second);
      } else {
        base.push_back(sources[j].first->flag);
        base.push_back(sources[j].second);
      }
    }
    if (spec.json_summary) base.push_back("--json");
    std::vector<Command> commands;
    const bool has_sources = std::any_of(base.begin(), base.end(), [](const std::string& arg) { return arg == "--repos" || arg == "--docs"; }) ||
                             !positional.empty();
    if (spec.split == Split::kSources && !has_sources) {
      plan.commands.push_back(std::move(commands));  // more tasks than sources: this one has nothing to do
      continue;
    }
    if (per_item) {
      for (const auto& item : per_item->items) {
        Command command;
        command.argv = base;
        command.argv.push_back(per_item->spec->flag);
        command.argv.push_back(resolve_ref(pipeline, run_dir, item));
        const std::string label = pipeline.find(item) ? item : std::filesystem::path(item).filename().string();
        if (!spec.per_item_out_flag.empty()) {
          command.argv.push_back(spec.per_item_out_flag);
          command.argv.push_back((plan.out() / label).string());
        }
        command.stdout_file = (plan.out() / (label + ".json")).string();
        commands.push_back(std::move(command));
      }
    } else {
      Command command;
      command.argv = base;
      for (const auto& item : positional) command.argv.push_back(item);
      if (spec.json_summary) command.stdout_file = (plan.task_dir(task) / "summary.json").string();
      commands.push_back(std::move(command));
    }
    plan.commands.push_back(std::move(commands));
  }
  return plan;
}

void write_stage_files(const StageConfig& stage, const StagePlan& plan) {
  std::filesystem::create_directories(plan.stage_dir);
  for (const auto& value : stage.options) {
    if (value.spec->type == ValueType::kMap) write_file_atomically(plan.stage_dir / (value.spec->key + ".json"), value.map_json + "\n");
  }
  write_file_atomically(plan.stage_dir / "plan.json", plan.to_json());
}

// The run directory's lock: flock on RUN/lock. Children inherit the descriptor, so the lock is
// held until the last process of the run is gone, and the kernel drops it when they die.
class RunLock {
 public:
  explicit RunLock(const std::filesystem::path& run_dir) {
    const auto file = run_dir / "lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT, 0644);
    if (fd_ < 0) fail_errno("cannot open", file.string());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const std::string holder = trim(read_holder());
      const bool alive = holder_alive(holder);
      if (alive || std::chrono::steady_clock::now() > deadline) {
        ::close(fd_);
        throw Error("run directory " + run_dir.string() + " is in use by another 'sluice run'" +
                    (holder.empty() ? "" : " (" + holder + ")") +
                    "; wait for it to finish or stop it, or give this run another --run-dir");
      }
      // The holder was killed and its children are still going down: give them a moment.
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    const std::string text = "pid " + std::to_string(::getpid()) + " on " + host + " since " + detail::now_iso8601() + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) < 0) fail_errno("cannot write", file.string());
  }
  ~RunLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  static std::string trim(std::string text) {
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  std::string read_holder() const {
    char buffer[512] = {};
    const ssize_t n = ::pread(fd_, buffer, sizeof buffer - 1, 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : "";
  }
  static bool holder_alive(const std::string& holder) {
    long pid = 0;
    if (std::sscanf(holder.c_str(), "pid %ld", &pid) != 1 || pid <= 0) return true;
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    if (holder.find(std::string(" on ") + host + " ") == std::string::npos) return true;  // another machine: trust the lock
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
  }
  int fd_ = -1;
};

struct StageState {
  bool done = false;
  std::string reason;   // why it must run
  int finished_tasks = 0;
};

std::string short_hash(const std::string& hash) { return hash.substr(0, 12); }

}  // namespace

int run_pipeline(Pipeline pipeline, const RunOptions& options) {
  if (options.executor != "local" && options.executor != "slurm") {
    throw Error("--executor must be 'local' or 'slurm', not '" + options.executor + "'");
  }
  const auto run_dir = std::filesystem::absolute(options.run_dir.empty() ? pipeline.run_dir : options.run_dir).lexically_normal();
  const int count = static_cast<int>(pipeline.stages.size());
  int from = 0, to = count - 1;
  if (!options.from.empty()) {
    from = pipeline.index_of(options.from);
    if (from < 0) throw Error("--from '" + options.from + "': the pipeline has no stage of that name");
  }
  if (!options.to.empty()) {
    to = pipeline.index_of(options.to);
    if (to < 0) throw Error("--to '" + options.to + "': the pipeline has no stage of that name");
  }
  if (from > to) throw Error("--from '" + options.from + "' comes after --to '" + options.to + "'");

  std::vector<StagePlan> plans;
  for (const auto& stage : pipeline.stages) plans.push_back(make_plan(pipeline, stage, run_dir, options));

  std::unique_ptr<RunLock> lock;
  if (!options.dry_run) {
    std::filesystem::create_directories(run_dir / "stages");
    lock = std::make_unique<RunLock>(run_dir);
    write_file_atomically(run_dir / "pipeline.yaml", pipeline.text);
  }

  // What is already done: a stage is done when its record matches its options, its inputs are
  // the current outputs of the stages before it, and its outputs are still there.
  std::map<std::string, bool> done_by_name;
  auto evaluate = [&](std::size_t i) {
    const StagePlan& plan = plans[i];
    const StageConfig& stage = pipeline.stages[i];
    StageState state;
    const bool forced = !options.from.empty() && static_cast<int>(i) >= from;
    bool upstream_done = true;
    for (const auto& name : stage.upstream()) upstream_done = upstream_done && done_by_name[name];
    const auto record = detail::read_record(plan.stage_dir);
    for (int t = 0; t < plan.tasks; ++t) state.finished_tasks += std::filesystem::exists(plan.task_marker(t)) ? 1 : 0;
    if (forced) state.reason = "--from " + options.from;
    else if (!record) state.reason = state.finished_tasks ? "partly done" : "not run yet";
    else if (record->fingerprint != plan.fingerprint) state.reason = "options changed";
    else if (!upstream_done) state.reason = "its input will be made again";
    else if (record->input_digest != detail::input_identity(plan.upstream, plan.external).digest) state.reason = "its input changed";
    else if (!detail::outputs_intact(plan.stage_dir, *record)) state.reason = "outputs missing or changed";
    else state.done = true;
    done_by_name[plan.name] = state.done;
    return state;
  };

  if (options.dry_run) {
    JsonWriter json;
    // --json: the plan as JSON only; otherwise the plan as text.
    auto print = [&](const char* format, auto... args) {
      if (!options.json) std::printf(format, args...);
    };
    json.begin_object().field("pipeline", pipeline.file.string()).field("run_dir", run_dir.string());
    json.field("executor", options.executor).key("stages").begin_array();
    print("pipeline %s\nrun directory %s, executor %s\n", pipeline.file.c_str(), run_dir.c_str(), options.executor.c_str());
    for (std::size_t i = 0; i < plans.size(); ++i) {
      const StagePlan& plan = plans[i];
      const StageConfig& stage = pipeline.stages[i];
      const StageState state = evaluate(i);
      const bool in_range = static_cast<int>(i) <= to;
      const bool available = std::find(options.available_commands.begin(), options.available_commands.end(),
                                       stage.spec->command.front()) != options.available_commands.end();
      std::string status = state.done ? "done" : !in_range ? "not in --to range" : "will run: " + state.reason;
      if (state.finished_tasks && !state.done) status += " (" + std::to_string(state.finished_tasks) + " of " + std::to_string(plan.tasks) + " tasks finished)";
      if (!available && !state.done) status += "; this build has no 'sluice " + stage.spec->command.front() + "'";
      print("\n%zu. %s (%s), %d task%s, fingerprint %s: %s\n", i + 1, plan.name.c_str(), plan.stage.c_str(), plan.tasks,
                  plan.tasks == 1 ? "" : "s", short_hash(plan.fingerprint).c_str(), status.c_str());
      print("   config %s\n", plan.config_json.c_str());
      for (const auto& task : plan.commands) {
        for (const auto& command : task) {
          std::string line = "   $ sluice";
          for (const auto& arg : command.argv) line += " " + arg;
          print("%s\n", line.c_str());
        }
      }
      json.begin_object().field("name", plan.name).field("stage", plan.stage).field("tasks", plan.tasks);
      json.field("fingerprint", plan.fingerprint).key("config").raw(plan.config_json);
      json.field("done", state.done).field("reason", state.done ? "" : state.reason).field("finished_tasks", state.finished_tasks);
      json.field("available", available).key("commands").begin_array();
      for (const auto& task : plan.commands) {
        for (const auto& command : task) {
          json.begin_array();
          for (const auto& arg : command.argv) json.value(arg);
          json.end_array();
        }
      }
      json.end_array().end_object();
    }
    json.end_array().end_object();
    if (options.json) std::cout << json.str() << "\n";
    return 0;
  }

  // Stages before --from must be finished: their outputs are this run's inputs.
  std::vector<StageState> states(plans.size());
  for (std::size_t i = 0; i < plans.size(); ++i) {
    states[i] = evaluate(i);
    if (static_cast<int>(i) < from && !states[i].done) {
      throw Error("stage '" + plans[i].name + "' comes before --from '" + options.from + "' and is not done (" +
                  states[i].reason + "); run without --from first");
    }
    if (static_cast<int>(i) <= to && !states[i].done) {
      const auto& word = pipeline.stages[i].spec->command.front();
      if (std::find(options.available_commands.begin(), options.available_commands.end(), word) == options.available_commands.end()) {
        throw Error(pipeline.file.string() + ":" + std::to_string(pipeline.stages[i].line) + ": stage '" + plans[i].name +
                    "' runs 'sluice " + word + "', which this build of sluice does not have");
      }
    }
  }

  // A Slurm submission outlives the `sluice run` that made it: never submit a second set of jobs
  // for this directory while the first is still queued or running.
  if (options.executor == "slurm" && std::filesystem::exists(run_dir / "slurm-jobs")) {
    std::vector<std::string> earlier;
    std::istringstream words(detail::read_text_file(run_dir / "slurm-jobs"));
    for (std::string job; words >> job;) earlier.push_back(job);
    const auto alive = detail::jobs_in_queue(earlier);
    if (!alive.empty()) {
      std::string list;
      for (const auto& job : alive) list += (list.empty() ? "" : " ") + job;
      throw Error("Slurm jobs " + list + " of an earlier 'sluice run' on " + run_dir.string() +
                  " are still queued or running; wait for them (squeue -j " + alive.front() + ") or cancel them (scancel " + list + ")");
    }
  }

  struct Outcome {
    std::string status;
    double seconds = 0;
    int exit_code = 0;
  };
  std::vector<Outcome> outcomes(plans.size());
  std::vector<std::string> slurm_jobs;
  std::map<std::string, std::string> slurm_job_of;  // stage -> job the next stages wait for
  int worst = 0;
  const auto started = std::chrono::steady_clock::now();
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t parallel = pipeline.parallel > 0 ? static_cast<std::size_t>(pipeline.parallel) : cpus;

  for (std::size_t i = 0; i < plans.size(); ++i) {
    const StagePlan& plan = plans[i];
    const StageConfig& stage = pipeline.stages[i];
    if (static_cast<int>(i) > to) {
      outcomes[i].status = "not in range";
      continue;
    }
    // Re-evaluate: a stage before this one may just have run.
    states[i] = evaluate(i);
    if (states[i].done) {
      outcomes[i].status = "done";
      std::fprintf(stderr, "sluice run: %s: done already\n", plan.name.c_str());
      continue;
    }
    // Keep a killed stage's finished tasks when nothing about it changed; otherwise start clean.
    const bool upstream_ready = std::all_of(plan.upstream.begin(), plan.upstream.end(), [](const std::string& dir) {
      return detail::read_record(dir).has_value();
    });
    const auto identity = detail::input_identity(plan.upstream, plan.external);
    const std::string started_text = plan.fingerprint + " " + (upstream_ready ? identity.digest : "pending") + "\n";
    const auto started_file = plan.stage_dir / "started";
    const bool keep = upstream_ready && options.from.empty() && !std::filesystem::exists(plan.record_file()) &&
                      std::filesystem::exists(started_file) && detail::read_text_file(started_file) == started_text;
    if (!keep) {
      std::filesystem::remove_all(plan.stage_dir);
      std::filesystem::create_directories(plan.stage_dir);
      write_file_atomically(started_file, started_text);
    }
    write_stage_files(stage, plan);
    std::vector<int> missing;
    for (int t = 0; t < plan.tasks; ++t) {
      if (!std::filesystem::exists(plan.task_marker(t))) missing.push_back(t);
    }
    const auto plan_file = plan.stage_dir / "plan.json";
    std::fprintf(stderr, "sluice run: %s (%s): %s; %zu of %d task%s to run\n", plan.name.c_str(), plan.stage.c_str(),
                 states[i].reason.c_str(), missing.size(), plan.tasks, plan.tasks == 1 ? "" : "s");

    if (options.executor == "slurm") {
      std::vector<std::string> after;
      for (const auto& name : stage.upstream()) {
        if (slurm_job_of.count(name)) after.push_back(slurm_job_of[name]);
      }
      detail::SlurmSubmission submission{&plan, plan_file, missing, stage.spec->training};
      slurm_job_of[plan.name] = detail::submit_stage(pipeline.slurm, submission, after, slurm_jobs);
      std::string submitted;
      for (const auto& job : slurm_jobs) submitted += (submitted.empty() ? "" : " ") + job;
      write_file_atomically(run_dir / "slurm-jobs", submitted + "\n");
      std::fprintf(stderr, "sluice run: %s: submitted (job %s)\n", plan.name.c_str(), slurm_job_of[plan.name].c_str());
      outcomes[i].status = "submitted";
      continue;
    }

    const auto stage_started = std::chrono::steady_clock::now();
    std::map<pid_t, int> running;
    std::size_t next = 0;
    std::string failure;
    while (next < missing.size() || !running.empty()) {
      while (failure.empty() && next < missing.size() && running.size() < parallel) {
        const int task = missing[next++];
        const pid_t pid = detail::spawn_child(plan.binary, {"pipeline-task", plan_file.string(), std::to_string(task)});
        running[pid] = task;
      }
      if (running.empty()) break;
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, 0);
      if (pid < 0) {
        if (errno == EINTR) continue;
        break;
      }
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const int task = it->second;
      running.erase(it);
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      if (!ok && failure.empty()) {
        failure = "stage '" + plan.name + "': task " + std::to_string(task) + " failed (see the message above and " +
                  (plan.stage_dir / "logs").string() + ")";
      }
    }
    if (!failure.empty()) throw Error(failure);
    merge_stage(plan_file);
    const auto record = detail::read_record(plan.stage_dir);
    outcomes[i].status = "ran";
    outcomes[i].exit_code = record ? record->exit_code : 0;
    outcomes[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stage_started).count();
    worst = std::max(worst, outcomes[i].exit_code);
    done_by_name[plan.name] = true;
    std::fprintf(stderr, "sluice run: %s: finished in %.1f s%s\n", plan.name.c_str(), outcomes[i].seconds,
                 outcomes[i].exit_code == 2 ? " (with failed items: see its summary)" : "");
  }

  if (options.executor == "slurm" && !slurm_jobs.empty()) {
    std::string list;
    for (const auto& job : slurm_jobs) list += (list.empty() ? "" : " ") + job;
    std::fprintf(stderr, "sluice run: waiting for Slurm jobs %s\n", list.c_str());
    while (!detail::jobs_in_queue(slurm_jobs).empty()) std::this_thread::sleep_for(std::chrono::seconds(1));
    for (std::size_t i = 0; i < plans.size() && static_cast<int>(i) <= to; ++i) {
      if (outcomes[i].status != "submitted") continue;
      const auto record = detail::read_record(plans[i].stage_dir);
      if (!record || record->fingerprint != plans[i].fingerprint) {
        throw Error("stage '" + plans[i].name + "' did not finish under Slurm; its job logs are in " +
                    (plans[i].stage_dir / "logs").string() + " (rerun 'sluice run' to resubmit only the missing tasks)");
      }
      outcomes[i].status = "ran";
      outcomes[i].exit_code = record->exit_code;
      outcomes[i].seconds = record->seconds;
      worst = std::max(worst, record->exit_code);
    }
  }

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (options.json) {
    JsonWriter json;
    json.begin_object().field("run_dir", run_dir.string()).field("executor", options.executor);
    json.key("stages").begin_array();
    for (std::size_t i = 0; i < plans.size(); ++i) {
      json.begin_object().field("name", plans[i].name).field("stage", plans[i].stage).field("status", outcomes[i].status);
      json.field("reason", outcomes[i].status == "ran" ? states[i].reason : "").field("seconds", outcomes[i].seconds);
      json.field("exit_code", outcomes[i].exit_code).end_object();
    }
    json.end_array().field("seconds", seconds).field("exit_code", worst).end_object();
    std::cout << json.str() << "\n";
  } else {
    std::fprintf(stderr, "sluice run: finished in %.1f s; run directory %s ('sluice report %s' draws it)\n", seconds,
                 run_dir.c_str(), run_dir.c_str());
  }
  return worst;
}

}  // namespace sluice::pipelines
