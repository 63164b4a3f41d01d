#pragma once
// Runs untrusted programs one at a time per slot, each in a fresh process tree:
//   - its own empty directory (mode 0700, owned by the sample's user), removed afterwards;
//   - a new PID namespace (the whole tree dies with its first process, so a fork bomb or a
//     daemonised child cannot outlive the sample) and a new network namespace (no interface but a
//     down loopback: every connect fails);
//   - as root: setgroups() cleared, then an unprivileged uid/gid of its own per slot
//     (RLIMIT_NPROC does not bind root, and distinct uids keep one slot's fork bomb from using up
//     another slot's process budget); not root: a user namespace mapping the caller's own uid;
//   - rlimits on CPU time, address space, file size, processes and open files, no core files,
//     no_new_privs, stdin on /dev/null, stdout and stderr captured and truncated;
//   - a wall-clock deadline after which the whole tree is SIGKILLed.
// Where namespaces cannot be made, the constructor refuses unless the fallback is allowed; the
// fallback runs the tree in its own session and kills the process group (and, as root, every
// process of the slot's uid).
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sluice::evalcode {

struct Limits {
  double timeout_seconds = 3.0;             // wall clock
  std::uint64_t cpu_seconds = 0;            // RLIMIT_CPU; 0: the timeout rounded up, plus one
  std::uint64_t address_space = 1ULL << 30;  // RLIMIT_AS, bytes
  std::uint64_t file_size = 16ULL << 20;     // RLIMIT_FSIZE, bytes
  std::uint64_t processes = 32;              // RLIMIT_NPROC, for the slot's uid
  std::uint64_t open_files = 64;             // RLIMIT_NOFILE
};

// One program to run: argv[0] is an absolute path or one relative to the sample's directory.
struct Step {
  std::vector<std::string> argv;
  Limits limits;
};

struct SandboxFile {
  std::string name;  // a plain file name inside the sample's directory
  std::string content;
  bool executable = false;
};

struct SandboxOptions {
  unsigned slots = 2;                  // samples that may run at once
  std::uint32_t first_uid = 200000;    // as root, slot i runs as uid and gid first_uid + i
  bool allow_network_fallback = false;  // run without namespaces where they cannot be made
  std::size_t output_limit = 16 * 1024;  // bytes kept of stdout and of stderr (head and tail)
  std::filesystem::path scratch;       // where sample directories go; default: the temp dir
};

enum class Ending {
  kExited,       // every step ran, or a step exited with a non-zero status (see step, exit_code)
  kSignaled,     // a step was killed by a signal (signal)
  kTimedOut,     // the wall-clock deadline passed; the tree was killed
  kSandboxError  // the sandbox itself could not set up (error says why)
};

struct RunResult {
  Ending ending = Ending::kSandboxError;
  std::size_t step = 0;  // the last step that started
  int exit_code = -1;
  int signal = 0;
  double wall_seconds = 0;
  double cpu_seconds = 0;
  std::string out, err;  // truncated to output_limit: head, a "[... N bytes cut ...]" line, tail
  std::string error;
  bool ok() const { return ending == Ending::kExited && exit_code == 0; }
};

class Sandbox {
 public:
  // Probes what isolation this process can have; throws Error where it has no network namespace
  // and the fallback is not allowed.
  explicit Sandbox(SandboxOptions options);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  // Writes `files` into a fresh directory and runs the steps there in order, stopping at the first
  // that does not exit 0. The deadline is the sum of the steps' timeouts. Thread-safe; blocks
  // while every slot is busy.
  RunResult run(const std::vector<SandboxFile>& files, const std::vector<Step>& steps);

  // "pid+net namespaces, uid 200000-200001" and the like, for reports.
  std::string isolation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::evalcode
