#include "sluice/core/error.h"

#include <cerrno>
#include <cstring>

namespace sluice {

void fail_at(const std::string& path, std::uint64_t line, const std::string& message) {
  std::string where = path;
  if (line > 0) where += ":" + std::to_string(line);
  throw Error(where + ": " + message);
}

void fail_errno(const std::string& action, const std::string& path) {
  const int saved = errno;
  throw Error("cannot " + action + " '" + path + "': " + std::strerror(saved));
}

}  // namespace sluice
