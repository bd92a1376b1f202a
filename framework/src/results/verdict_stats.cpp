#include "results/verdict_stats.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "optbench/random.hpp"

namespace optbench::results {

namespace {

/// The q-quantile of sorted values, interpolating linearly between order
/// statistics (numpy's default).
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(at));
  const auto above = std::min(below + 1, sorted.size() - 1);
  const double frac = at - static_cast<double>(below);
  return sorted[below] + (sorted[above] - sorted[below]) * frac;
}

}  // namespace

Interval bootstrap_mean_interval(std::span<const double> values, double level,
                                 std::size_t resamples, std::uint64_t seed) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (values.empty() || resamples == 0) return {kNaN, kNaN};
  if (values.size() == 1) return {values[0], values[0]};
  Rng rng(seed ^ 0xb007b007b007b007ULL);
  std::vector<double> means(resamples);
  const auto n = static_cast<std::uint64_t>(values.size());
  for (double& mean : means) {
    double sum = 0.0;
    for (std::uint64_t k = 0; k < n; ++k)
      sum += values[rng.below(n)];
    mean = sum / static_cast<double>(n);
  }
  std::sort(means.begin(), means.end());
  const double tail = (1.0 - level) / 2.0;
  return {quantile(means, tail), quantile(means, 1.0 - tail)};
}

double win_probability(std::span<const double> a, std::span<const double> b,
                       bool higher_is_better) {
  if (a.empty() || b.empty()) return std::numeric_limits<double>::quiet_NaN();
  double wins = 0.0;
  for (double x : a) {
    for (double y : b) {
      if (x == y) {
        wins += 0.5;
      } else if (higher_is_better ? x > y : x < y) {
        wins += 1.0;
      }
    }
  }
  return wins / static_cast<double>(a.size() * b.size());
}

}  // namespace optbench::results
