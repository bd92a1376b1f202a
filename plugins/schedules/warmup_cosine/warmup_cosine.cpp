// warmup_cosine: a linear warmup, then a cosine decay. For `warmup` steps the
// lr's factor rises linearly from start_factor to 1 (torch's LinearLR), then
// the lr follows CosineAnnealingLR from the optimizer's lr to eta_min over
// T_max steps. In torch this is SequentialLR([LinearLR(start_factor, 1.0,
// warmup), CosineAnnealingLR(T_max, eta_min)], milestones=[warmup]).
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

std::vector<optbench::ParamSpec> schema() {
  return {
      required_int_spec("warmup", "steps (or epochs) of linear warmup, >= 1", 1),
      required_int_spec("T_max", "steps (or epochs) of cosine decay after the warmup, >= 1", 1),
      real_spec("eta_min", 0.0, "the lowest lr, reached T_max steps after the warmup", 0.0),
      real_spec("start_factor", 0.01, "factor of the lr at step 0, in (0, 1]", 0.0, 1.0, true),
  };
}

class WarmupCosineSchedule final : public optbench::Schedule {
 public:
  WarmupCosineSchedule(std::int64_t warmup, std::int64_t t_max, double eta_min, double start)
      : warmup_(warmup), t_max_(t_max), eta_min_(eta_min), start_(start) {}
  optbench::Rates at(std::int64_t t, const optbench::Rates& base) const override {
    if (t < warmup_) {
      const double done = static_cast<double>(t) / static_cast<double>(warmup_);
      return with_lr(base, base.lr * (start_ + (1.0 - start_) * done));
    }
    return with_lr(base, cosine_lr(base.lr, eta_min_, t_max_, t - warmup_));
  }

 private:
  std::int64_t warmup_, t_max_;
  double eta_min_, start_;
};

optbench::PluginInfo info() {
  return make_info("warmup_cosine", "linear warmup over `warmup` steps, then cosine to eta_min",
                   schema());
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const auto resolved = optbench::resolve_params("warmup_cosine", schema(), given);
  const optbench::Params p(resolved);
  return std::make_unique<WarmupCosineSchedule>(p.integer("warmup"), p.integer("T_max"),
                                                p.real("eta_min"), p.real("start_factor"));
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
