// linear: torch.optim.lr_scheduler.LinearLR. The lr's factor moves linearly
// from start_factor to end_factor over total_iters steps, then stays:
// lr_t = lr * (start + (end - start) * min(t, total_iters) / total_iters).
#include <algorithm>
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

optbench::PluginInfo info() {
  return make_info(
      "linear", "LinearLR: the lr's factor from start_factor to end_factor",
      {real_spec("start_factor", 1.0 / 3.0, "factor of the lr at step 0, in (0, 1]", 0.0, 1.0,
                 true),
       real_spec("end_factor", 1.0, "factor of the lr from total_iters on, in [0, 1]", 0.0, 1.0),
       int_spec("total_iters", 5, "steps (or epochs) the factor takes to reach end_factor, >= 1",
                1)});
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const optbench::ResolvedParams p(info(), given);
  return lr_schedule([start = p.real("start_factor"), end = p.real("end_factor"),
                      total = p.integer("total_iters")](std::int64_t t, double lr) {
    const double done = static_cast<double>(std::min(t, total)) / static_cast<double>(total);
    return lr * (start + (end - start) * done);
  });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
