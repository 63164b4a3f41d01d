#pragma once
// Work distribution over a fixed number of threads. Items are claimed one at a time from a
// shared counter, so a slow item never holds back the others, and memory is bounded by
// `threads` items in flight.
#include <cstddef>
#include <functional>

namespace sluice {

// The number of threads to use when the user said 0 ("auto"): the CPUs this process may run on.
unsigned default_threads();

// Calls fn(i) for i in [0, count) on `threads` threads. If a call throws, no new item is started,
// the calls in flight finish, and the first exception is rethrown.
void parallel_for(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& fn);

}  // namespace sluice
