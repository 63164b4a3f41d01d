#include "capture.h"

namespace sluice::evalcode {

void Capture::append(const char* data, std::size_t size) {
  total_ += size;
  const std::size_t to_head = std::min(size, head_limit_ - head_.size());
  head_.append(data, to_head);
  data += to_head;
  size -= to_head;
  if (size == 0) return;
  tail_.append(data, size);
  // Trim in chunks so that a stream of small writes costs amortised O(1) per byte.
  if (tail_.size() > 2 * tail_limit_) tail_.erase(0, tail_.size() - tail_limit_);
}

std::string Capture::text() const {
  const std::size_t tail_size = std::min(tail_.size(), tail_limit_);
  const std::size_t cut = total_ - head_.size() - tail_size;
  std::string out = head_;
  if (cut > 0) out += "\n[... " + std::to_string(cut) + " bytes cut ...]\n";
  out.append(tail_, tail_.size() - tail_size, tail_size);
  return out;
}

}  // namespace sluice::evalcode
