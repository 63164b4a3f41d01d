#include "sluice/core/progress.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

namespace sluice {

std::string human_bytes(double bytes) {
  static constexpr std::array<const char*, 5> kUnits = {"B", "kB", "MB", "GB", "TB"};
  std::size_t unit = 0;
  while (bytes >= 1000.0 && unit + 1 < kUnits.size()) {
    bytes /= 1000.0;
    ++unit;
  }
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), unit == 0 ? "%.0f %s" : "%.1f %s", bytes, kUnits[unit]);
  return text.data();
}

bool Progress::enabled() {
  const char* forced = std::getenv("SLUICE_PROGRESS");
  if (forced != nullptr) return std::string(forced) == "1";
  return ::isatty(STDERR_FILENO) == 1;
}

Progress::Progress(std::string label, std::uint64_t total, std::string unit)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total),
      start_(std::chrono::steady_clock::now()), active_(enabled()) {
  if (!active_) return;
  drawer_ = std::thread([this] {
    while (!stop_.load()) {
      for (int i = 0; i < 5 && !stop_.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!stop_.load()) draw(false);
    }
  });
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  if (!active_) return;
  stop_ = true;
  if (drawer_.joinable()) drawer_.join();
  draw(true);
  active_ = false;
}

void Progress::draw(bool final) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const auto done = static_cast<double>(done_.load());
  const double rate = seconds > 0 ? done / seconds : 0;
  const bool bytes = unit_ == "bytes";
  std::string line = "\r\033[K" + label_ + ": ";
  line += bytes ? human_bytes(done) : std::to_string(static_cast<std::uint64_t>(done)) + " " + unit_;
  std::array<char, 96> text{};
  if (total_ > 0) {
    const auto total = static_cast<double>(total_);
    std::snprintf(text.data(), text.size(), " / %s (%.0f%%)",
                  bytes ? human_bytes(total).c_str() : std::to_string(total_).c_str(), 100.0 * done / total);
    line += text.data();
  }
  if (items_.load() > 0) line += ", " + std::to_string(items_.load()) + " docs";
  std::snprintf(text.data(), text.size(), ", %s/s", bytes ? human_bytes(rate).c_str() : std::to_string(static_cast<std::uint64_t>(rate)).c_str());
  line += text.data();
  if (!final && total_ > 0 && rate > 0 && done < static_cast<double>(total_)) {
    const double eta = (static_cast<double>(total_) - done) / rate;
    std::snprintf(text.data(), text.size(), ", ETA %dm%02ds", static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    line += text.data();
  }
  if (final) line += "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

}  // namespace sluice
