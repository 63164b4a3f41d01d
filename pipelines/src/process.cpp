// Child processes of a run. Every child asks the kernel to kill it when its parent dies
// (PR_SET_PDEATHSIG), so a SIGKILL of `sluice run` stops the whole tree at once and the next run
// never races a leftover writer.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "internal.h"
#include "sluice/core/error.h"

namespace sluice::pipelines::detail {
namespace {

[[noreturn]] void exec_child(const std::string& binary, const std::vector<std::string>& args, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(binary.c_str()));
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execv(binary.c_str(), argv.data());
  ::_exit(127);
}

// Starts `binary` with stdin from /dev/null, stdout to `out_fd` (stderr when -1) and stderr to
// `err_fd` (inherited when -1); the child dies with this process.
pid_t fork_child(const std::string& binary, const std::vector<std::string>& args, int out_fd, int err_fd) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) fail_errno("cannot start a process for", binary);
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out_fd >= 0 ? out_fd : 2, 1);
    if (err_fd >= 0) ::dup2(err_fd, 2);
    exec_child(binary, args, parent);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1;
}

}  // namespace

void die_with_parent() { ::prctl(PR_SET_PDEATHSIG, SIGKILL); }

int run_child(const std::string& binary, const Command& command, const std::filesystem::path& log) {
  int out_fd = -1;
  if (!command.stdout_file.empty()) {
    out_fd = ::open(command.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0) fail_errno("cannot create", command.stdout_file);
  }
  int log_fd = -1;
  if (!log.empty()) {
    log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) fail_errno("cannot create", log.string());
  }
  const pid_t pid = fork_child(binary, command.argv, out_fd, log_fd);
  if (out_fd >= 0) ::close(out_fd);
  if (log_fd >= 0) ::close(log_fd);
  return wait_for(pid);
}

int spawn_child(const std::string& binary, const std::vector<std::string>& args) { return fork_child(binary, args, -1, -1); }

}  // namespace sluice::pipelines::detail
