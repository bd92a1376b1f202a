// linear: torch.optim.lr_scheduler.LinearLR. The lr's factor moves linearly
// from start_factor to end_factor over total_iters steps, then stays:
// lr_t = lr * (start + (end - start) * min(t, total_iters) / total_iters).
#include <algorithm>
#include <memory>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

std::vector<optbench::ParamSpec> schema() {
  return {
      real_spec("start_factor", 1.0 / 3.0, "factor of the lr at step 0, in (0, 1]", 0.0, 1.0, true),
      real_spec("end_factor", 1.0, "factor of the lr from total_iters on, in [0, 1]", 0.0, 1.0),
      {.name = "total_iters",
       .type = optbench::ParamType::Int,
       .default_value = std::int64_t{5},
       .doc = "steps (or epochs) the factor takes to reach end_factor, >= 1",
       .min = 1},
  };
}

class LinearSchedule final : public optbench::Schedule {
 public:
  LinearSchedule(double start, double end, std::int64_t total)
      : start_(start), end_(end), total_(total) {}
  optbench::Rates at(std::int64_t t, const optbench::Rates& base) const override {
    const double done = static_cast<double>(std::min(t, total_)) / static_cast<double>(total_);
    return with_lr(base, base.lr * (start_ + (end_ - start_) * done));
  }

 private:
  double start_, end_;
  std::int64_t total_;
};

optbench::PluginInfo info() {
  return make_info("linear", "LinearLR: the lr's factor from start_factor to end_factor", schema());
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  const auto resolved = optbench::resolve_params("linear", schema(), given);
  const optbench::Params p(resolved);
  return std::make_unique<LinearSchedule>(p.real("start_factor"), p.real("end_factor"),
                                          p.integer("total_iters"));
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
