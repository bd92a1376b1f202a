// The statistics behind a verdict: a percentile bootstrap interval for a mean
// over seeds, and the probability that one optimizer's result beats
// another's when a seed of each is drawn at random.
#pragma once

#include <cstdint>
#include <span>

namespace optbench::results {

struct Interval {
  double lo = 0.0;
  double hi = 0.0;
};

/// Percentile bootstrap interval of the mean of `values` at `level` (0.95:
/// the 2.5th and 97.5th percentiles of `resamples` means of n values drawn
/// with replacement). Seeded, so the same values give the same interval.
/// NaN bounds without values; one value gives [value, value].
Interval bootstrap_mean_interval(std::span<const double> values, double level = 0.95,
                                 std::size_t resamples = 10000, std::uint64_t seed = 0);

/// P(A beats B): over every pair (a seed of A, a seed of B), the fraction in
/// which A's value is better (higher when `higher_is_better`, else lower),
/// ties counting one half. NaN when either side has no values.
double win_probability(std::span<const double> a, std::span<const double> b, bool higher_is_better);

}  // namespace optbench::results
