#include <cmath>

#include "sluice/dedup/minhash.h"

namespace sluice::dedup {
namespace {

// Midpoint integration is enough here: the integrands are smooth and we only rank
// (bands, rows) pairs; datasketch integrates the same functions with scipy.quad.
template <typename F>
double integrate(F f, double low, double high) {
  constexpr int kSteps = 400;
  const double step = (high - low) / kSteps;
  double sum = 0;
  for (int i = 0; i < kSteps; ++i) sum += f(low + (i + 0.5) * step);
  return sum * step;
}

}  // namespace

double lsh_probability(double s, const LshParams& lsh) {
  return 1.0 - std::pow(1.0 - std::pow(s, lsh.rows), lsh.bands);
}

LshParams optimal_lsh(double threshold, unsigned num_perm, double fp_weight, double fn_weight) {
  LshParams best{1, 1};
  double best_error = 1e300;
  for (unsigned bands = 1; bands <= num_perm; ++bands) {
    for (unsigned rows = 1; bands * rows <= num_perm; ++rows) {
      const LshParams candidate{bands, rows};
      const double fp = integrate([&](double s) { return lsh_probability(s, candidate); }, 0.0, threshold);
      const double fn = integrate([&](double s) { return 1.0 - lsh_probability(s, candidate); }, threshold, 1.0);
      const double error = fp_weight * fp + fn_weight * fn;
      if (error < best_error) {
        best_error = error;
        best = candidate;
      }
    }
  }
  return best;
}

}  // namespace sluice::dedup
