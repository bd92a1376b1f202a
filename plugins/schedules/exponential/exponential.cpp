// exponential: torch.optim.lr_scheduler.ExponentialLR, lr_t = lr * gamma^t.
#include <cmath>
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

optbench::PluginInfo info() {
  return make_info(
      "exponential", "ExponentialLR: lr * gamma^t",
      {required_real_spec("gamma", "factor applied every step (or epoch), >= 0", 0.0)});
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  return lr_schedule(
      [gamma = optbench::ResolvedParams(info(), given).real("gamma")](std::int64_t t, double lr) {
        return lr * std::pow(gamma, static_cast<double>(t));
      });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
