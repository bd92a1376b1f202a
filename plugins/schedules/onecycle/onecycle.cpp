// onecycle: torch.optim.lr_scheduler.OneCycleLR with total_steps given. The
// lr rises from max_lr / div_factor to max_lr over the first pct_start of
// the steps, then anneals to max_lr / (div_factor * final_div_factor); with
// three_phase it first comes back down to the start and anneals last. With
// cycle_momentum the momentum (Adam's beta1) moves opposite to the lr,
// between max_momentum and base_momentum. The optimizer's own lr and
// momentum are ignored, as torch overwrites them.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "schedule_common.hpp"

namespace {

using namespace optbench::schedules;

std::vector<optbench::ParamSpec> schema() {
  return {
      required_real_spec("max_lr", "the peak learning rate, > 0", 0.0, true),
      required_int_spec("total_steps", "steps (or epochs) of the whole cycle, >= 2", 2),
      real_spec("pct_start", 0.3, "fraction of the cycle spent raising the lr, in [0, 1]", 0.0,
                1.0),
      {.name = "anneal_strategy",
       .type = optbench::ParamType::String,
       .default_value = std::string("cos"),
       .doc = "cos or linear annealing",
       .choices = {"cos", "linear"}},
      bool_spec("cycle_momentum", true, "move the momentum (Adam's beta1) opposite to the lr"),
      real_spec("base_momentum", 0.85, "momentum at the lr's peak", 0.0, 1.0),
      real_spec("max_momentum", 0.95, "momentum at the cycle's ends", 0.0, 1.0),
      real_spec("div_factor", 25.0, "the start lr is max_lr / div_factor, > 0", 0.0,
                std::numeric_limits<double>::infinity(), true),
      real_spec("final_div_factor", 1e4, "the last lr is the start lr / final_div_factor, > 0", 0.0,
                std::numeric_limits<double>::infinity(), true),
      bool_spec("three_phase", false, "come back down to the start lr before the final annealing"),
  };
}

/// One phase: from `start_*` at the previous phase's end step to `end_*` at
/// `end_step` (a real number, as torch computes it).
struct Phase {
  double end_step;
  double start_lr, end_lr;
  double start_momentum, end_momentum;
};

class OneCycleSchedule final : public optbench::Schedule {
 public:
  OneCycleSchedule(const optbench::Params& p)
      : total_steps_(p.integer("total_steps")),
        cos_(p.string("anneal_strategy") == "cos"),
        cycle_momentum_(p.boolean("cycle_momentum")) {
    const double max_lr = p.real("max_lr");
    const double initial_lr = max_lr / p.real("div_factor");
    const double min_lr = initial_lr / p.real("final_div_factor");
    const double base_m = p.real("base_momentum"), max_m = p.real("max_momentum");
    const double pct = p.real("pct_start");
    const auto total = static_cast<double>(total_steps_);
    if (p.boolean("three_phase")) {
      phases_ = {{pct * total - 1.0, initial_lr, max_lr, max_m, base_m},
                 {2.0 * pct * total - 2.0, max_lr, initial_lr, base_m, max_m},
                 {total - 1.0, initial_lr, min_lr, max_m, max_m}};
    } else {
      phases_ = {{pct * total - 1.0, initial_lr, max_lr, max_m, base_m},
                 {total - 1.0, max_lr, min_lr, base_m, max_m}};
    }
    // torch divides by each phase's length; a phase of length 0 fails there
    // on its first step with a ZeroDivisionError. Refuse it up front.
    double start = 0.0;
    for (const auto& phase : phases_) {
      if (!(phase.end_step > start)) {
        throw std::invalid_argument("onecycle: pct_start " + optbench::format_value(pct) +
                                    " with total_steps " + std::to_string(total_steps_) +
                                    " leaves a phase without steps");
      }
      start = phase.end_step;
    }
  }

  optbench::Rates at(std::int64_t t, const optbench::Rates& base) const override {
    if (t > total_steps_) {
      throw std::out_of_range("onecycle: tried to step " + std::to_string(t) +
                              " times, more than total_steps (" + std::to_string(total_steps_) +
                              ")");
    }
    const auto step = static_cast<double>(t);
    double start = 0.0;
    for (std::size_t k = 0; k < phases_.size(); ++k) {
      const auto& phase = phases_[k];
      if (step <= phase.end_step || k + 1 == phases_.size()) {
        const double pct = (step - start) / (phase.end_step - start);
        optbench::Rates r = base;
        r.lr = anneal(phase.start_lr, phase.end_lr, pct);
        if (cycle_momentum_) r.momentum = anneal(phase.start_momentum, phase.end_momentum, pct);
        return r;
      }
      start = phase.end_step;
    }
    return base;  // not reached: the last phase takes every remaining step
  }

  bool sets_momentum() const override { return cycle_momentum_; }

 private:
  double anneal(double start, double end, double pct) const {
    return cos_ ? anneal_cos(start, end, pct) : anneal_linear(start, end, pct);
  }

  std::int64_t total_steps_;
  bool cos_, cycle_momentum_;
  std::vector<Phase> phases_;
};

optbench::PluginInfo info() {
  return make_info("onecycle", "OneCycleLR: up to max_lr and down again, momentum opposite",
                   schema());
}

std::unique_ptr<optbench::Schedule> create(const optbench::ParamMap& given) {
  return std::make_unique<OneCycleSchedule>(optbench::ResolvedParams(info(), given));
}

}  // namespace

OPTBENCH_SCHEDULE_PLUGIN(info, create)
