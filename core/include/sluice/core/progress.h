#pragma once
// A progress line on stderr for long work: done / total, rate and ETA. It draws only when stderr
// is a terminal (or when forced), so logs and pipes stay clean. Counters are updated from any
// thread; a background thread redraws a few times a second.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

namespace sluice {

class Progress {
 public:
  // `unit` names what `total` counts ("bytes" renders as MB); total 0 = unknown.
  Progress(std::string label, std::uint64_t total, std::string unit = "bytes");
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t done) { done_.fetch_add(done, std::memory_order_relaxed); }
  void add_items(std::uint64_t items) { items_.fetch_add(items, std::memory_order_relaxed); }
  void finish();  // final line, then stop drawing

  static bool enabled();  // stderr is a terminal, or SLUICE_PROGRESS=1

 private:
  void draw(bool final);
  std::string label_;
  std::string unit_;
  std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> items_{0};
  std::chrono::steady_clock::time_point start_;
  std::atomic<bool> stop_{false};
  std::thread drawer_;
  bool active_;
};

// "12.3 MB", "1.20 GB"
std::string human_bytes(double bytes);

}  // namespace sluice
