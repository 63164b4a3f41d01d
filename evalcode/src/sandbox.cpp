#include "sluice/evalcode/sandbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>

#include "capture.h"
#include "sluice/core/error.h"

namespace sluice::evalcode {
namespace {

// What the first process of the tree (the "init" below) tells the parent through fd 3.
enum RecordKind : std::int32_t { kStepStarted = 1, kStepEnded = 2, kSetupFailed = 3 };
struct Record {
  std::int32_t kind;
  std::int32_t step;    // kSetupFailed: the SetupStage
  std::int32_t status;  // kStepEnded: the wait status
  std::int32_t error;   // kSetupFailed: errno
  std::int64_t cpu_us;  // kStepEnded: user + system time of the step
};
enum SetupStage : std::int32_t { kWaitMaps, kDup, kCloseRange, kSetsid, kSetgroups, kSetgid, kSetuid, kNoNewPrivs, kChdir, kFork, kWait };
constexpr const char* kStageNames[] = {"wait for uid map", "dup2",  "close_range",     "setsid", "setgroups", "setgid",
                                       "setuid",           "no_new_privs", "chdir", "fork",   "wait"};
constexpr int kStatusFd = 3;
constexpr int kRlimits = 6;

enum class Mode { kRootNamespaces, kUserNamespaces, kFallback };

// Everything the child touches, built before the clone: after it, the child of a multithreaded
// process may only make system calls (no allocation, no locks another thread might have held).
struct Prepared {
  std::vector<std::vector<std::string>> argv_text;
  std::vector<std::vector<char*>> argv;
  std::vector<std::array<std::pair<__rlimit_resource_t, rlimit>, kRlimits>> limits;
  std::vector<std::string> env_text;
  std::vector<char*> envp;
  std::string dir;
  bool drop_privileges = false;
  std::uint32_t uid = 0;
  int stdin_fd = -1, out_fd = -1, err_fd = -1, status_fd = -1, sync_fd = -1;
};

long raw_fork(unsigned long flags) { return ::syscall(SYS_clone, flags | SIGCHLD, nullptr, nullptr, nullptr, 0); }

void put(int fd, const char* text) { [[maybe_unused]] auto n = ::write(fd, text, std::strlen(text)); }

[[noreturn]] void setup_failed(int stage) {
  const Record record{kSetupFailed, stage, 0, errno, 0};
  [[maybe_unused]] auto n = ::write(kStatusFd, &record, sizeof record);
  ::_exit(125);
}

// The first process of the sample's tree (PID 1 of its namespace): drops privileges, runs each
// step in a child of its own and reports on fd 3. When it exits, the kernel kills whatever the
// steps left behind in the namespace.
[[noreturn]] void init_main(const Prepared& p) {
  if (p.sync_fd >= 0) {  // the parent writes our uid map first
    char go = 0;
    if (::read(p.sync_fd, &go, 1) != 1) setup_failed(kWaitMaps);
  }
  // Descriptors were moved to >= 10 by the parent, so these dup2s cannot clobber each other.
  if (::dup2(p.status_fd, kStatusFd) < 0) ::_exit(125);
  if (::dup2(p.stdin_fd, 0) < 0 || ::dup2(p.out_fd, 1) < 0 || ::dup2(p.err_fd, 2) < 0) setup_failed(kDup);
  if (::syscall(SYS_close_range, kStatusFd + 1, ~0U, 0) != 0) setup_failed(kCloseRange);
  if (::setsid() < 0) setup_failed(kSetsid);  // own process group: the fallback kills it whole
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);           // sluice dies, the sample dies
  if (p.drop_privileges) {
    // Raw system calls: glibc's wrappers would try to synchronise threads this child lacks.
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) setup_failed(kSetgroups);
    if (::syscall(SYS_setresgid, p.uid, p.uid, p.uid) != 0) setup_failed(kSetgid);
    if (::syscall(SYS_setresuid, p.uid, p.uid, p.uid) != 0) setup_failed(kSetuid);
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) setup_failed(kNoNewPrivs);
  if (::chdir(p.dir.c_str()) != 0) setup_failed(kChdir);
  for (std::size_t i = 0; i < p.argv.size(); ++i) {
    Record record{kStepStarted, static_cast<std::int32_t>(i), 0, 0, 0};
    [[maybe_unused]] auto n = ::write(kStatusFd, &record, sizeof record);
    const long pid = raw_fork(0);
    if (pid < 0) setup_failed(kFork);
    if (pid == 0) {
      for (const auto& [resource, limit] : p.limits[i]) {
        if (::setrlimit(resource, &limit) != 0) {
          put(2, "sluice sandbox: setrlimit failed\n");
          ::_exit(126);
        }
      }
      ::close(kStatusFd);
      ::execve(p.argv[i][0], p.argv[i].data(), p.envp.data());
      put(2, "sluice sandbox: cannot execute ");
      put(2, p.argv[i][0]);
      put(2, ": ");
      put(2, ::strerror(errno));
      put(2, "\n");
      ::_exit(127);
    }
    int status = 0;
    rusage usage{};
    while (::wait4(static_cast<pid_t>(pid), &status, 0, &usage) < 0) {
      if (errno != EINTR) setup_failed(kWait);
    }
    record = Record{kStepEnded, static_cast<std::int32_t>(i), status, 0,
                    (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec};
    n = ::write(kStatusFd, &record, sizeof record);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) break;
  }
  ::_exit(0);
}

// A descriptor number >= 10, close-on-exec; the original is closed.
int move_high(int fd) {
  const int high = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (high < 0) fail_errno("cannot duplicate a descriptor for", "the sandbox");
  ::close(fd);
  return high;
}

struct Pipe {
  int read = -1, write = -1;
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) fail_errno("cannot create a pipe for", "the sandbox");
    read = move_high(fds[0]);
    write = move_high(fds[1]);
    ::fcntl(read, F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    close_read();
    close_write();
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  void close_read() {
    if (read >= 0) ::close(read);
    read = -1;
  }
  void close_write() {
    if (write >= 0) ::close(write);
    write = -1;
  }
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads what is there now; false at end of stream.
bool drain(int fd, Capture& capture) {
  char buffer[1 << 14];
  while (true) {
    const ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got > 0) {
      capture.append(buffer, static_cast<std::size_t>(got));
      continue;
    }
    if (got == 0) return false;
    if (errno == EINTR) continue;
    return errno == EAGAIN;
  }
}

void write_proc_file(long pid, const char* name, const std::string& text) {
  const std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  const Fd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0 || ::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    fail_errno("cannot write", path);
  }
}

// Tasks (threads count for RLIMIT_NPROC) that `uid` runs now: without root, the sample's processes
// share the caller's uid, so its budget is added on top of these.
std::uint64_t tasks_of_user(std::uint32_t uid) {
  std::uint64_t count = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name[0] < '0' || name[0] > '9') continue;
    struct stat info {};
    if (::stat(entry.path().c_str(), &info) != 0 || info.st_uid != uid) continue;
    for ([[maybe_unused]] const auto& task : std::filesystem::directory_iterator(entry.path() / "task", ec)) ++count;
  }
  return count;
}

// Whether a tree with these clone flags can be made here (a child that exits at once).
int probe(unsigned long flags) {
  const long pid = raw_fork(flags);
  if (pid < 0) return errno;
  if (pid == 0) ::_exit(0);
  int status = 0;
  while (::waitpid(static_cast<pid_t>(pid), &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : ECHILD;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct Sandbox::Impl {
  SandboxOptions options;
  Mode mode = Mode::kFallback;
  bool root = false;
  std::uint64_t nproc_base = 0;  // tasks already counted against the uid the samples run as
  std::filesystem::path root_dir;
  std::mutex mutex;
  std::condition_variable slot_free;
  std::vector<bool> busy;
  std::atomic<std::uint64_t> counter{0};

  unsigned acquire() {
    std::unique_lock lock(mutex);
    while (true) {
      for (unsigned i = 0; i < busy.size(); ++i) {
        if (!busy[i]) {
          busy[i] = true;
          return i;
        }
      }
      slot_free.wait(lock);
    }
  }
  void release(unsigned slot) {
    {
      std::lock_guard lock(mutex);
      busy[slot] = false;
    }
    slot_free.notify_one();
  }

  // Fallback cleanup as root: every process of the slot's uid (what escaped the process group).
  void kill_uid(std::uint32_t uid) const {
    const long pid = raw_fork(0);
    if (pid == 0) {
      if (::syscall(SYS_setresuid, uid, uid, uid) == 0) ::kill(-1, SIGKILL);
      ::_exit(0);
    }
    if (pid > 0) ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
  }
};

Sandbox::Sandbox(SandboxOptions options) : impl_(std::make_unique<Impl>()) {
  auto& s = *impl_;
  s.options = std::move(options);
  if (s.options.slots == 0) s.options.slots = 1;
  s.busy.assign(s.options.slots, false);
  s.root = ::geteuid() == 0;
  // SLUICE_EVALCODE_NO_NAMESPACES=1 pretends namespaces cannot be made (tests of the refusal).
  const char* pretend = std::getenv("SLUICE_EVALCODE_NO_NAMESPACES");
  const bool forbidden = pretend != nullptr && std::string(pretend) == "1";
  const unsigned long flags = CLONE_NEWPID | CLONE_NEWNET | (s.root ? 0UL : static_cast<unsigned long>(CLONE_NEWUSER));
  const int error = forbidden ? EPERM : probe(flags);
  if (error == 0) {
    s.mode = s.root ? Mode::kRootNamespaces : Mode::kUserNamespaces;
  } else if (s.options.allow_network_fallback) {
    s.mode = Mode::kFallback;
  } else {
    throw Error(std::string("cannot give samples their own network namespace (clone: ") + std::strerror(error) +
                "): run as root, allow unprivileged user namespaces (sysctl user.max_user_namespaces, "
                "kernel.unprivileged_userns_clone), or pass --allow-network-sandbox-fallback to run samples "
                "with the host's network");
  }
  if (!s.root) s.nproc_base = tasks_of_user(static_cast<std::uint32_t>(::geteuid()));

  std::filesystem::path base = s.options.scratch.empty() ? std::filesystem::temp_directory_path() : s.options.scratch;
  std::string templ = (base / "sluice-evalcode-XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) fail_errno("cannot create a scratch directory in", base.string());
  s.root_dir = templ;
  // Samples run as other uids: they may pass through but not list or write here.
  ::chmod(s.root_dir.c_str(), 0711);
}

Sandbox::~Sandbox() {
  std::error_code ec;
  std::filesystem::remove_all(impl_->root_dir, ec);
}

std::string Sandbox::isolation() const {
  const auto& s = *impl_;
  switch (s.mode) {
    case Mode::kRootNamespaces:
      return "pid+net namespaces, uid " + std::to_string(s.options.first_uid) + "-" +
             std::to_string(s.options.first_uid + s.options.slots - 1);
    case Mode::kUserNamespaces: return "user+pid+net namespaces, uid " + std::to_string(::geteuid());
    case Mode::kFallback: break;
  }
  return std::string("fallback: no namespaces (network reachable), own session") +
         (s.root ? ", uid " + std::to_string(s.options.first_uid) + "+" : "");
}

RunResult Sandbox::run(const std::vector<SandboxFile>& files, const std::vector<Step>& steps) {
  auto& s = *impl_;
  RunResult result;
  if (steps.empty()) throw Error("sandbox: nothing to run");
  const unsigned slot = s.acquire();
  struct Release {
    Impl& s;
    unsigned slot;
    ~Release() { s.release(slot); }
  } release{s, slot};
  const std::uint32_t uid = s.options.first_uid + slot;

  // The sample's own directory.
  const auto dir = s.root_dir / ("sample-" + std::to_string(s.counter.fetch_add(1)));
  if (::mkdir(dir.c_str(), 0700) != 0) fail_errno("cannot create", dir.string());
  struct RemoveDir {
    std::filesystem::path dir;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } remove_dir{dir};
  const bool drop = s.mode != Mode::kUserNamespaces && s.root;
  for (const auto& file : files) {
    const auto path = dir / file.name;
    const Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, file.executable ? 0700 : 0600));
    if (fd.get() < 0) fail_errno("cannot create", path.string());
    if (::write(fd.get(), file.content.data(), file.content.size()) != static_cast<ssize_t>(file.content.size())) {
      fail_errno("cannot write", path.string());
    }
    if (drop && ::fchown(fd.get(), uid, uid) != 0) fail_errno("cannot hand over", path.string());
  }
  if (drop && ::chown(dir.c_str(), uid, uid) != 0) fail_errno("cannot hand over", dir.string());

  Prepared p;
  p.dir = dir.string();
  p.drop_privileges = drop;
  p.uid = uid;
  double deadline_seconds = 0;
  for (const auto& step : steps) {
    p.argv_text.push_back(step.argv);
    const auto& l = step.limits;
    deadline_seconds += l.timeout_seconds;
    const rlim_t cpu = l.cpu_seconds > 0 ? l.cpu_seconds : static_cast<rlim_t>(std::ceil(l.timeout_seconds)) + 1;
    const rlim_t nproc = l.processes + s.nproc_base;
    p.limits.push_back({{{RLIMIT_CPU, {cpu, cpu + 1}},  // SIGXCPU first, SIGKILL a second later
                         {RLIMIT_AS, {l.address_space, l.address_space}},
                         {RLIMIT_FSIZE, {l.file_size, l.file_size}},
                         {RLIMIT_NPROC, {nproc, nproc}},
                         {RLIMIT_NOFILE, {l.open_files, l.open_files}},
                         {RLIMIT_CORE, {0, 0}}}});
  }
  for (auto& text : p.argv_text) {
    std::vector<char*> argv;
    for (auto& arg : text) argv.push_back(arg.data());
    argv.push_back(nullptr);
    p.argv.push_back(std::move(argv));
  }
  p.env_text = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + p.dir, "TMPDIR=" + p.dir, "LANG=C.UTF-8",
                "OMP_NUM_THREADS=1"};
  for (auto& entry : p.env_text) p.envp.push_back(entry.data());
  p.envp.push_back(nullptr);

  Pipe out, err, status;
  std::optional<Pipe> sync;
  if (s.mode == Mode::kUserNamespaces) sync.emplace();
  const Fd devnull(move_high(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
  p.stdin_fd = devnull.get();
  p.out_fd = out.write;
  p.err_fd = err.write;
  p.status_fd = status.write;
  p.sync_fd = sync ? sync->read : -1;
  if (sync) ::fcntl(sync->read, F_SETFL, 0);  // the child blocks on it

  unsigned long flags = 0;
  if (s.mode == Mode::kRootNamespaces) flags = CLONE_NEWPID | CLONE_NEWNET;
  if (s.mode == Mode::kUserNamespaces) flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET;
  const auto start = std::chrono::steady_clock::now();
  const long pid = raw_fork(flags);
  if (pid == 0) init_main(p);
  if (pid < 0) {
    result.error = std::string("cannot start the sample: ") + std::strerror(errno);
    return result;
  }
  out.close_write();
  err.close_write();
  status.close_write();
  if (sync) {
    const auto self = std::to_string(::geteuid());
    const auto group = std::to_string(::getegid());
    write_proc_file(pid, "setgroups", "deny");
    write_proc_file(pid, "uid_map", self + " " + self + " 1\n");
    write_proc_file(pid, "gid_map", group + " " + group + " 1\n");
    [[maybe_unused]] auto n = ::write(sync->write, "g", 1);
  }

  Capture out_capture(s.options.output_limit), err_capture(s.options.output_limit);
  const Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  bool out_open = true, err_open = true, timed_out = false;
  while (true) {
    const double left = deadline_seconds - seconds_since(start);
    if (left <= 0) {
      timed_out = true;
      break;
    }
    std::array<pollfd, 3> fds{{{out_open ? out.read : -1, POLLIN, 0}, {err_open ? err.read : -1, POLLIN, 0}, {pidfd.get(), POLLIN, 0}}};
    // Without a pidfd (kernels before 5.3) poll in short slices and ask waitpid.
    const int wait_ms = pidfd.get() >= 0 ? static_cast<int>(std::ceil(left * 1000)) : std::min(20, static_cast<int>(std::ceil(left * 1000)));
    const int ready = ::poll(fds.data(), fds.size(), wait_ms);
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) out_open = drain(out.read, out_capture);
    if (fds[1].revents != 0) err_open = drain(err.read, err_capture);
    if (fds[2].revents != 0) break;
    if (pidfd.get() < 0) {
      siginfo_t info{};
      if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) break;
    }
  }
  if (timed_out) {
    // In a PID namespace this kills the whole tree; in the fallback, the process group.
    ::kill(static_cast<pid_t>(pid), SIGKILL);
    if (s.mode == Mode::kFallback) ::kill(-static_cast<pid_t>(pid), SIGKILL);
  }
  while (::waitpid(static_cast<pid_t>(pid), nullptr, 0) < 0 && errno == EINTR) {
  }
  result.wall_seconds = seconds_since(start);
  if (s.mode == Mode::kFallback) {
    ::kill(-static_cast<pid_t>(pid), SIGKILL);
    if (s.root) s.kill_uid(uid);
  }
  drain(out.read, out_capture);
  drain(err.read, err_capture);
  result.out = out_capture.text();
  result.err = err_capture.text();

  // The story the tree told.
  std::vector<Record> records;
  Record record{};
  while (::read(status.read, &record, sizeof record) == static_cast<ssize_t>(sizeof record)) records.push_back(record);
  bool ended = false;
  for (const auto& r : records) {
    if (r.kind == kStepStarted) result.step = static_cast<std::size_t>(r.step);
    if (r.kind == kSetupFailed) {
      const int stage = r.step >= 0 && r.step <= kWait ? r.step : kWait;
      result.ending = Ending::kSandboxError;
      result.error = std::string("sandbox setup failed at ") + kStageNames[stage] + ": " + std::strerror(r.error);
      return result;
    }
    if (r.kind == kStepEnded) {
      ended = true;
      result.cpu_seconds += static_cast<double>(r.cpu_us) / 1e6;
      if (WIFEXITED(r.status)) {
        result.ending = Ending::kExited;
        result.exit_code = WEXITSTATUS(r.status);
      } else {
        result.ending = Ending::kSignaled;
        result.signal = WIFSIGNALED(r.status) ? WTERMSIG(r.status) : 0;
      }
    }
  }
  if (timed_out) {
    result.ending = Ending::kTimedOut;
  } else if (!ended || records.empty() || records.back().kind != kStepEnded) {
    result.ending = Ending::kSandboxError;
    result.error = "the sample's process tree ended without reporting";
  }
  return result;
}

}  // namespace sluice::evalcode
