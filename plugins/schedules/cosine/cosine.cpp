// cosine: torch.optim.lr_scheduler.CosineAnnealingLR. A half cosine from the
// optimizer's lr down to eta_min over T_max steps; past T_max it rises
// again, as torch's does (period 2 * T_max).
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

optbench::PluginInfo info() {
  return make_info(
      "cosine", "CosineAnnealingLR: half cosine from lr to eta_min over T_max",
      {required_int_spec("T_max", "steps (or epochs) from the lr down to eta_min, >= 1", 1),
       real_spec("eta_min", 0.0, "the lowest lr, reached at T_max", 0.0)});
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const optbench::ResolvedParams p(info(), given);
  return lr_schedule([t_max = p.integer("T_max"), eta_min = p.real("eta_min")](
                         std::int64_t t, double lr) { return cosine_lr(lr, eta_min, t_max, t); });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
