#include "sluice/evalcode/pass_at_k.h"

#include "sluice/core/error.h"

namespace sluice::evalcode {

double pass_at_k(std::uint64_t n, std::uint64_t c, std::uint64_t k) {
  if (c > n) throw Error("pass@k: " + std::to_string(c) + " correct out of " + std::to_string(n) + " samples");
  if (k == 0 || k > n) throw Error("pass@k: k = " + std::to_string(k) + " needs 1 <= k <= n = " + std::to_string(n));
  if (n - c < k) return 1.0;
  double all_fail = 1.0;  // C(n-c, k) / C(n, k)
  for (std::uint64_t i = n - c + 1; i <= n; ++i) all_fail *= 1.0 - static_cast<double>(k) / static_cast<double>(i);
  return 1.0 - all_fail;
}

}  // namespace sluice::evalcode
