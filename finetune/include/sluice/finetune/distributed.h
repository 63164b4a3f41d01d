#pragma once
// Data-parallel training over processes (docs/distributed.md): who this process is, read from the
// variables torchrun-style launchers and Slurm's srun set, and `--nproc N`, which starts N local
// workers of this binary and watches them. Torch-free: the c10d side is finetune/src/distributed.h.
#include <cstdint>
#include <filesystem>
#include <string>

namespace sluice::finetune {

struct LaunchInfo {
  int rank = 0, world_size = 1;
  int local_rank = 0, local_world_size = 1;  // processes on this machine
  std::string master_addr = "127.0.0.1";
  std::uint16_t master_port = 29500;
  std::string source;  // "env" (RANK/WORLD_SIZE), "slurm" (SLURM_PROCID/SLURM_NTASKS), "" (one process)
  bool distributed() const { return world_size > 1; }
  bool root() const { return rank == 0; }
};

// RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT as torchrun sets them;
// else SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID, SLURM_STEP_TASKS_PER_NODE (srun), with MASTER_ADDR
// defaulting to the first node of the step; else a single process. A malformed value is an Error
// naming the variable.
LaunchInfo launch_from_environment();

// Threads for one worker: the CPUs this process may use, shared among the workers on the machine.
unsigned worker_threads(const LaunchInfo& launch, unsigned cpus);

// `--nproc N`: re-runs this process's own command line (without --nproc) as N workers on this
// machine with RANK, WORLD_SIZE, ... set and MASTER_ADDR:MASTER_PORT on a free localhost port.
// SIGINT/SIGTERM are passed on to the workers. When a worker fails (nonzero exit or a signal) the
// others get `grace_s` seconds to stop on their own (their collectives fail on the lost peer or
// time out) and are then killed. Returns the exit status for the command: 0 when every worker
// succeeded, 130 when they were interrupted, 1 (with the failing rank named on stderr) otherwise.
// `out` is the checkpoint directory, named in the message so the user knows what --resume reads.
int run_local_workers(int nproc, const std::filesystem::path& out, double grace_s);

// Test hook (`--fault RANK:STEP:kill|hang`): after optimizer step STEP, rank RANK kills itself
// with SIGKILL or stops responding, so the tests can check how the others react.
void inject_fault(const std::string& spec, int rank, std::int64_t step);

}  // namespace sluice::finetune
