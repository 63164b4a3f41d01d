// Launch side of data-parallel training (torch-free): the rank of this process from the launcher's
// environment, and `--nproc N`, a small local launcher that starts N workers and watches them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <thread>
#include <vector>

#include "sluice/core/error.h"
#include "sluice/finetune/distributed.h"

extern char** environ;

namespace sluice::finetune {
namespace {

namespace fs = std::filesystem;

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : nullptr;
}

long env_integer(const char* name, long fallback, long min, long max) {
  const char* text = env(name);
  if (text == nullptr) return fallback;
  char* end = nullptr;
  errno = 0;
  const long value = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    throw Error(std::string("environment variable ") + name + "='" + text + "' must be an integer in [" + std::to_string(min) + ", " +
                std::to_string(max) + "]");
  }
  return value;
}

// Slurm's compressed lists: "node[01-04,07],login" -> "node01"; SLURM_STEP_TASKS_PER_NODE
// "2(x3),1" -> 2 (the count on the first nodes; the docs ask for the same count on every node).
std::string first_slurm_host(const std::string& list) {
  const auto bracket = list.find('[');
  const auto comma = list.find(',');
  if (bracket == std::string::npos || (comma != std::string::npos && comma < bracket)) return list.substr(0, comma);
  const auto digits = list.find_first_not_of("0123456789", bracket + 1);
  return list.substr(0, bracket) + list.substr(bracket + 1, digits - bracket - 1);
}

// The argv this process was started with, from the kernel's record.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::string current;
  for (const char c : raw) {
    if (c != '\0') {
      current.push_back(c);
      continue;
    }
    args.push_back(current);
    current.clear();
  }
  return args;
}

std::uint16_t free_localhost_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail_errno("socket", "127.0.0.1");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd);
    fail_errno("bind", "127.0.0.1:0");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::atomic<int> g_forward_signal{0};
void remember_signal(int signum) { g_forward_signal.store(signum); }

std::string describe_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* name = ::sigabbrev_np(sig);
    return "was killed by signal " + std::to_string(sig) + (name != nullptr ? std::string(" (SIG") + name + ")" : std::string());
  }
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// "step N" of the checkpoint a --resume would start from, read without a JSON parser: the file is ours.
std::string last_checkpoint(const fs::path& out) {
  std::ifstream in(out / "trainer_state.json");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("\"step\":");
  if (at == std::string::npos) return "no checkpoint yet in " + out.string() + ": --resume starts afresh";
  return "the last checkpoint in " + out.string() + " is at step " + std::to_string(std::atoll(text.c_str() + at + 7)) +
         ": rerun with --resume to continue from it";
}

}  // namespace

LaunchInfo launch_from_environment() {
  LaunchInfo info;
  constexpr long kMaxRanks = 1 << 20;
  if (env("WORLD_SIZE") != nullptr) {
    info.source = "env";
    info.world_size = static_cast<int>(env_integer("WORLD_SIZE", 1, 1, kMaxRanks));
    info.rank = static_cast<int>(env_integer("RANK", 0, 0, info.world_size - 1));
    info.local_rank = static_cast<int>(env_integer("LOCAL_RANK", info.rank, 0, kMaxRanks));
    info.local_world_size = static_cast<int>(env_integer("LOCAL_WORLD_SIZE", info.world_size, 1, kMaxRanks));
    if (info.distributed() && env("MASTER_ADDR") == nullptr) {
      throw Error("WORLD_SIZE=" + std::to_string(info.world_size) + " but MASTER_ADDR is not set: give the address of the rank-0 machine");
    }
  } else if (env("SLURM_PROCID") != nullptr && env("SLURM_NTASKS") != nullptr) {
    info.source = "slurm";
    info.world_size = static_cast<int>(env_integer("SLURM_NTASKS", 1, 1, kMaxRanks));
    info.rank = static_cast<int>(env_integer("SLURM_PROCID", 0, 0, info.world_size - 1));
    info.local_rank = static_cast<int>(env_integer("SLURM_LOCALID", 0, 0, kMaxRanks));
    const char* per_node = env("SLURM_STEP_TASKS_PER_NODE");
    if (per_node == nullptr) per_node = env("SLURM_TASKS_PER_NODE");
    info.local_world_size = per_node != nullptr ? std::max(1, std::atoi(per_node)) : 1;
    const char* nodes = env("SLURM_STEP_NODELIST");
    if (nodes == nullptr) nodes = env("SLURM_JOB_NODELIST");
    if (env("MASTER_ADDR") == nullptr && nodes != nullptr) info.master_addr = first_slurm_host(nodes);
  } else {
    return info;
  }
  if (const char* addr = env("MASTER_ADDR")) info.master_addr = addr;
  info.master_port = static_cast<std::uint16_t>(env_integer("MASTER_PORT", 29500, 1, 65535));
  return info;
}

unsigned worker_threads(const LaunchInfo& launch, unsigned cpus) {
  return std::max(1u, cpus / static_cast<unsigned>(std::max(1, launch.local_world_size)));
}

int run_local_workers(int nproc, const fs::path& out, double grace_s) {
  if (nproc < 1) throw Error("--nproc must be at least 1");
  if (launch_from_environment().distributed()) {
    throw Error("--nproc starts its own workers: do not combine it with a launcher's WORLD_SIZE or srun's SLURM_NTASKS > 1");
  }
  // The same command line without --nproc: each worker is this command, run once per rank.
  std::vector<std::string> args = own_arguments();
  if (args.empty()) throw Error("cannot read /proc/self/cmdline to start the workers");
  for (std::size_t i = 1; i < args.size();) {
    if (args[i] == "--nproc" && i + 1 < args.size()) args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
    else if (args[i].rfind("--nproc=", 0) == 0) args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
    else ++i;
  }
  const std::uint16_t port = free_localhost_port();
  const unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  const std::string threads = std::to_string(std::max(1u, cpus / static_cast<unsigned>(nproc)));

  // Signals reach the launcher and are passed on; each worker saves a checkpoint and stops.
  struct sigaction action {}, old_int{}, old_term{};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  g_forward_signal.store(0);
  ::sigaction(SIGINT, &action, &old_int);
  ::sigaction(SIGTERM, &action, &old_term);

  std::vector<pid_t> pids(static_cast<std::size_t>(nproc), -1);
  for (int rank = 0; rank < nproc; ++rank) {
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
    auto set = [&environment](const std::string& name, const std::string& value) {
      environment.push_back(name + "=" + value);
    };
    set("RANK", std::to_string(rank));
    set("LOCAL_RANK", std::to_string(rank));
    set("WORLD_SIZE", std::to_string(nproc));
    set("LOCAL_WORLD_SIZE", std::to_string(nproc));
    set("MASTER_ADDR", "127.0.0.1");
    set("MASTER_PORT", std::to_string(port));
    // OpenBLAS sizes its own pool when it loads: one share of the CPUs per worker, unless the user chose.
    if (env("OPENBLAS_NUM_THREADS") == nullptr) set("OPENBLAS_NUM_THREADS", threads);
    std::vector<char*> argv, envp;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    // getenv returns the first match: put ours first by building envp back to front.
    for (auto it = environment.rbegin(); it != environment.rend(); ++it) envp.push_back(it->data());
    envp.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) fail_errno("fork", "worker " + std::to_string(rank));
    if (pid == 0) {
      ::sigaction(SIGINT, &old_int, nullptr);
      ::sigaction(SIGTERM, &old_term, nullptr);
      ::execve("/proc/self/exe", argv.data(), envp.data());
      std::perror("sluice: exec of a worker failed");
      ::_exit(127);
    }
    pids[static_cast<std::size_t>(rank)] = pid;
  }

  std::vector<bool> killed_here(pids.size(), false);
  int running = nproc, first_failed = -1, failed_status = 0;
  bool interrupted = false;
  std::chrono::steady_clock::time_point kill_at{};
  while (running > 0) {
    if (const int sig = g_forward_signal.exchange(0); sig != 0) {
      for (const pid_t pid : pids) if (pid > 0) ::kill(pid, sig);
    }
    int status = 0;
    const pid_t done = ::waitpid(-1, &status, WNOHANG);
    if (done > 0) {
      for (std::size_t r = 0; r < pids.size(); ++r) {
        if (pids[r] != done) continue;
        pids[r] = -1;
        --running;
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 130) {
          interrupted = true;
        } else if (!ok && !killed_here[r]) {
          std::fprintf(stderr, "sluice: rank %zu of %d (pid %d) %s\n", r, nproc, static_cast<int>(done), describe_status(status).c_str());
          // The cause to name: the first failure, unless a rank killed by a signal follows one
          // that merely lost its peer (both may be reaped in the same round).
          if (first_failed < 0) kill_at = std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<long>(grace_s * 1000));
          if (first_failed < 0 || (WIFSIGNALED(status) && !WIFSIGNALED(failed_status))) {
            first_failed = static_cast<int>(r);
            failed_status = status;
          }
        }
      }
      continue;
    }
    if (done < 0 && errno != EINTR) break;
    if (first_failed >= 0 && std::chrono::steady_clock::now() >= kill_at) {
      for (std::size_t r = 0; r < pids.size(); ++r) {
        if (pids[r] <= 0) continue;
        std::fprintf(stderr, "sluice: rank %zu did not stop within %.0f s of the failure; killing it\n", r, grace_s);
        ::kill(pids[r], SIGKILL);
        killed_here[r] = true;
      }
      kill_at = std::chrono::steady_clock::now() + std::chrono::hours(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (first_failed >= 0) {
    throw Error("training failed: rank " + std::to_string(first_failed) + " of " + std::to_string(nproc) + " " +
                describe_status(failed_status) + "; " + last_checkpoint(out));
  }
  return interrupted ? 130 : 0;
}

void inject_fault(const std::string& spec, int rank, std::int64_t step) {
  if (spec.empty()) return;
  const auto a = spec.find(':'), b = spec.rfind(':');
  if (a == std::string::npos || b == a) throw Error("--fault takes RANK:STEP:kill|hang, not '" + spec + "'");
  if (std::stoi(spec.substr(0, a)) != rank || std::stoll(spec.substr(a + 1, b - a - 1)) != step) return;
  const std::string what = spec.substr(b + 1);
  if (what == "kill") ::raise(SIGKILL);
  if (what != "hang") throw Error("--fault takes RANK:STEP:kill|hang, not '" + spec + "'");
  for (;;) ::pause();
}

}  // namespace sluice::finetune
