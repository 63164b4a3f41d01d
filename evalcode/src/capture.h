#pragma once
// Keeps the first and the last bytes of a stream that may be endless: the start of a program's
// output says what it did, the end holds Python's traceback.
#include <cstddef>
#include <string>

namespace sluice::evalcode {

class Capture {
 public:
  explicit Capture(std::size_t limit) : head_limit_(limit / 2), tail_limit_(limit - limit / 2) {}
  void append(const char* data, std::size_t size);
  std::string text() const;  // head + "\n[... N bytes cut ...]\n" + tail when over the limit

 private:
  std::size_t head_limit_, tail_limit_;
  std::string head_, tail_;
  std::size_t total_ = 0;
};

}  // namespace sluice::evalcode
