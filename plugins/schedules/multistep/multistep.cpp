// multistep: torch.optim.lr_scheduler.MultiStepLR. The lr is multiplied by
// gamma at each milestone: lr_t = lr * gamma^(number of milestones <= t).
// A milestone listed twice decays twice, as torch counts it.
#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

optbench::PluginInfo info() {
  optbench::ParamSpec milestones{
      .name = "milestones",
      .type = optbench::ParamType::RealList,
      .default_value = std::vector<double>{},
      .doc = "steps (or epochs) at which the lr decays: whole numbers >= 1",
      .min = 1.0,
      .required = true};
  return make_info(
      "multistep", "MultiStepLR: lr * gamma at each milestone",
      {std::move(milestones), real_spec("gamma", 0.1, "factor applied at each milestone", 0.0)});
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const optbench::ResolvedParams p(info(), given);
  std::vector<std::int64_t> milestones;
  for (double m : p.reals("milestones")) {
    if (m != std::floor(m) || m > 9.0e15) {
      throw std::invalid_argument("multistep: milestones: expected whole numbers of steps, got " +
                                  optbench::format_value(m));
    }
    milestones.push_back(static_cast<std::int64_t>(m));
  }
  std::sort(milestones.begin(), milestones.end());
  return lr_schedule(
      [milestones = std::move(milestones), gamma = p.real("gamma")](std::int64_t t, double lr) {
        const auto passed =
            std::upper_bound(milestones.begin(), milestones.end(), t) - milestones.begin();
        return lr * std::pow(gamma, static_cast<double>(passed));
      });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
