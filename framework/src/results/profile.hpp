// Performance profiles (Dolan and More; AlgoPerf's scoring): for each
// optimizer, the fraction of problems on which it reaches the target loss
// within a factor tau of the fastest optimizer there.
#pragma once

#include <string>
#include <vector>

#include "results/summary.hpp"

namespace optbench::results {

struct ProfileCurve {
  std::string optimizer;  ///< plugin name
  /// Per problem, its time to target over the best time there; +inf where
  /// it never reached the target. Sorted ascending.
  std::vector<double> ratios;
  /// The fraction of all problems with ratio <= tau.
  double fraction_within(double tau) const;
};

struct Profile {
  std::vector<std::string> problems;
  std::vector<ProfileCurve> curves;  ///< in the order optimizers first appear
};

/// An optimizer's time on a problem is that of its fastest configuration
/// (its best tuned lr), counted in steps to the target plus one, so a target
/// already met at the start (step 0) still gives a ratio. Steps rather than
/// seconds: they are the same on every machine and under any load. Problems
/// that no optimizer solved count against every optimizer.
Profile performance_profile(const Summary& summary);

}  // namespace optbench::results
