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

std::vector<optbench::ParamSpec> schema() {
  return {
      {.name = "milestones",
       .type = optbench::ParamType::RealList,
       .default_value = std::vector<double>{},
       .doc = "steps (or epochs) at which the lr decays: whole numbers >= 1",
       .min = 1.0,
       .required = true},
      real_spec("gamma", 0.1, "factor applied at each milestone", 0.0),
  };
}

class MultiStepSchedule final : public optbench::Schedule {
 public:
  MultiStepSchedule(std::vector<std::int64_t> milestones, double gamma)
      : milestones_(std::move(milestones)), gamma_(gamma) {
    std::sort(milestones_.begin(), milestones_.end());
  }
  optbench::Rates at(std::int64_t t, const optbench::Rates& base) const override {
    const auto passed =
        std::upper_bound(milestones_.begin(), milestones_.end(), t) - milestones_.begin();
    return with_lr(base, base.lr * std::pow(gamma_, static_cast<double>(passed)));
  }

 private:
  std::vector<std::int64_t> milestones_;
  double gamma_;
};

optbench::PluginInfo info() {
  return make_info("multistep", "MultiStepLR: lr * gamma at each milestone", schema());
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const auto resolved = optbench::resolve_params("multistep", schema(), given);
  const optbench::Params p(resolved);
  std::vector<std::int64_t> milestones;
  for (double m : p.reals("milestones")) {
    if (m != std::floor(m) || m > 9.0e15) {
      throw std::invalid_argument("multistep: milestones: expected whole numbers of steps, got " +
                                  optbench::format_value(m));
    }
    milestones.push_back(static_cast<std::int64_t>(m));
  }
  return std::make_unique<MultiStepSchedule>(std::move(milestones), p.real("gamma"));
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
