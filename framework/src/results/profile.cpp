#include "results/profile.hpp"

#include <algorithm>
#include <limits>
#include <map>

namespace optbench::results {

double ProfileCurve::fraction_within(double tau) const {
  if (ratios.empty()) return 0.0;
  const auto within = std::upper_bound(ratios.begin(), ratios.end(), tau) - ratios.begin();
  return static_cast<double>(within) / static_cast<double>(ratios.size());
}

Profile performance_profile(const Summary& summary) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Profile profile;
  std::vector<std::string> optimizers;
  // time[problem][optimizer], the fastest configuration's.
  std::map<std::string, std::map<std::string, double>> time;
  for (const ConfigSummary& c : summary.configs) {
    if (std::find(profile.problems.begin(), profile.problems.end(), c.problem) ==
        profile.problems.end()) {
      profile.problems.push_back(c.problem);
    }
    if (std::find(optimizers.begin(), optimizers.end(), c.optimizer) == optimizers.end()) {
      optimizers.push_back(c.optimizer);
    }
    auto [it, added] = time[c.problem].emplace(c.optimizer, kInf);
    it->second = std::min(it->second, c.steps_to_target + 1.0);
  }
  for (const std::string& optimizer : optimizers) {
    ProfileCurve curve{optimizer, {}};
    for (const std::string& problem : profile.problems) {
      const auto& times = time[problem];
      double best = kInf;
      for (const auto& [name, t] : times)
        best = std::min(best, t);
      const auto mine = times.find(optimizer);
      const double t = mine == times.end() ? kInf : mine->second;
      curve.ratios.push_back(best < kInf && t < kInf ? t / best : kInf);
    }
    std::sort(curve.ratios.begin(), curve.ratios.end());
    profile.curves.push_back(std::move(curve));
  }
  return profile;
}

}  // namespace optbench::results
