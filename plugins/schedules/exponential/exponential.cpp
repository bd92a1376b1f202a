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

optbench::PluginInfo info() {
  return make_info("exponential", "ExponentialLR: lr * gamma^t", schema());
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const auto resolved = optbench::resolve_params("exponential", schema(), given);
  return lr_schedule([gamma = optbench::Params(resolved).real("gamma")](std::int64_t t, double lr) {
    return lr * std::pow(gamma, static_cast<double>(t));
  });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
