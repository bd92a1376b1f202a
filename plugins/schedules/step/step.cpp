// step: torch.optim.lr_scheduler.StepLR. The lr is multiplied by gamma every
// step_size steps: lr_t = lr * gamma^floor(t / step_size).
#include <cmath>
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

optbench::PluginInfo info() {
  return make_info("step", "StepLR: lr * gamma every step_size steps",
                   {required_int_spec("step_size", "steps (or epochs) between two decays, >= 1", 1),
                    real_spec("gamma", 0.1, "factor applied at each decay", 0.0)});
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const optbench::ResolvedParams p(info(), given);
  return lr_schedule(
      [step_size = p.integer("step_size"), gamma = p.real("gamma")](std::int64_t t, double lr) {
        return lr * std::pow(gamma, static_cast<double>(t / step_size));
      });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
