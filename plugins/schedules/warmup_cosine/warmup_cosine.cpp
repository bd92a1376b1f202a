// warmup_cosine: a linear warmup, then a cosine decay. For `warmup` steps the
// lr's factor rises linearly from start_factor to 1 (torch's LinearLR), then
// the lr follows CosineAnnealingLR from the optimizer's lr to eta_min over
// T_max steps. In torch this is SequentialLR([LinearLR(start_factor, 1.0,
// warmup), CosineAnnealingLR(T_max, eta_min)], milestones=[warmup]).
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

optbench::PluginInfo info() {
  return make_info(
      "warmup_cosine", "linear warmup over `warmup` steps, then cosine to eta_min",
      {required_int_spec("warmup", "steps (or epochs) of linear warmup, >= 1", 1),
       required_int_spec("T_max", "steps (or epochs) of cosine decay after the warmup, >= 1", 1),
       real_spec("eta_min", 0.0, "the lowest lr, reached T_max steps after the warmup", 0.0),
       real_spec("start_factor", 0.01, "factor of the lr at step 0, in (0, 1]", 0.0, 1.0, true)});
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const optbench::ResolvedParams p(info(), given);
  return lr_schedule([warmup = p.integer("warmup"), t_max = p.integer("T_max"),
                      eta_min = p.real("eta_min"),
                      start = p.real("start_factor")](std::int64_t t, double lr) {
    if (t < warmup) {
      const double done = static_cast<double>(t) / static_cast<double>(warmup);
      return lr * (start + (1.0 - start) * done);
    }
    return cosine_lr(lr, eta_min, t_max, t - warmup);
  });
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
