// The schedule extension point: the learning rate (and optionally the
// momentum) as a function of the step count.
//
// A schedule holds only its own settings. The host asks it, before every
// optimizer step (or once per epoch), for the rates of step t, passing the
// optimizer's own lr and momentum as the base, and hands them to the
// optimizer through Optimizer::set_lr and Optimizer::set_momentum. Being a
// pure function of t, a schedule needs no state to save and gives the same
// values in any order, which keeps runs repeatable.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>

#include "optbench/params.hpp"
#include "optbench/plugin.hpp"

namespace optbench {

/// A learning rate and a momentum factor. `momentum` is NaN when the
/// optimizer has none (Adagrad, Adadelta); for the Adam family it is beta1.
struct Rates {
  double lr = 0.0;
  double momentum = std::nan("");
};

class OPTBENCH_SDK_API Schedule {
 public:
  virtual ~Schedule();
  /// The rates for step `t` (0 for the first optimizer step, or the epoch
  /// index when the schedule steps per epoch). `base` holds the optimizer's
  /// configured lr and momentum. A schedule that leaves the momentum alone
  /// returns base.momentum.
  virtual Rates at(std::int64_t t, const Rates& base) const = 0;
  /// True when at() changes the momentum, so the optimizer must have one
  /// (momentum, or Adam's beta1); the host refuses other pairings up front.
  virtual bool sets_momentum() const;
};

/// Factory signature exported by schedule plugins. Throws
/// std::invalid_argument on bad settings, naming the value.
using ScheduleFactory = std::unique_ptr<Schedule>(const ParamMap& params);

}  // namespace optbench

/// Exports a schedule plugin: `info_fn` returns its PluginInfo,
/// `create_fn` has the ScheduleFactory signature.
#define OPTBENCH_SCHEDULE_PLUGIN(info_fn, create_fn) OPTBENCH_DETAIL_EXPORTS(info_fn, create_fn)
