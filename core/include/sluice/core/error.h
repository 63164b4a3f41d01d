#pragma once
// The one error type that crosses library boundaries. Its message is complete and meant for a
// person: it names the file (and the line, where there is one) and what was wrong there.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace sluice {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "PATH: message" or "PATH:LINE: message" (line 0 means "no line").
[[noreturn]] void fail_at(const std::string& path, std::uint64_t line, const std::string& message);

// strerror(errno) with the action and path: "cannot open 'x': No such file or directory".
[[noreturn]] void fail_errno(const std::string& action, const std::string& path);

}  // namespace sluice
