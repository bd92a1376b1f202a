// exponential: torch.optim.lr_scheduler.ExponentialLR, lr_t = lr * gamma^t.
#include <cmath>
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

std::vector<optbench::ParamSpec> schema() {
  return {
      {.name = "gamma",
       .type = optbench::ParamType::Real,
       .default_value = 0.0,
       .doc = "factor applied every step (or epoch), >= 0",
       .min = 0.0,
       .required = true},
  };
}

class ExponentialSchedule final : public optbench::Schedule {
 public:
  explicit ExponentialSchedule(double gamma) : gamma_(gamma) {}
  optbench::Rates at(std::int64_t t, const optbench::Rates& base) const override {
    return with_lr(base, base.lr * std::pow(gamma_, static_cast<double>(t)));
  }

 private:
  double gamma_;
};

optbench::PluginInfo info() {
  return make_info("exponential", "ExponentialLR: lr * gamma^t", schema());
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const auto resolved = optbench::resolve_params("exponential", schema(), given);
  return std::make_unique<ExponentialSchedule>(optbench::Params(resolved).real("gamma"));
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
