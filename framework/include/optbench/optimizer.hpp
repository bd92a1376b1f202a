// The optimizer extension point: state plus `step`, nothing else.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

#include "optbench/params.hpp"
#include "optbench/plugin.hpp"

namespace optbench {

/// One trainable tensor as flat float32 memory owned by the model. `value`
/// and `grad` hold `n` contiguous floats and keep their address for the run.
struct ParamBuffer {
  std::string name;
  float* value = nullptr;
  float* grad = nullptr;
  std::size_t n = 0;
};

/// An update rule. The host calls `attach` once with every parameter of the
/// model, then `step` once per iteration after the gradients are written.
/// State (moments, accumulators, the step count) lives in the optimizer,
/// allocated in `attach`, so `step` never allocates.
class OPTBENCH_SDK_API Optimizer {
 public:
  virtual ~Optimizer();
  /// Binds the parameters this optimizer updates; called exactly once.
  virtual void attach(std::span<const ParamBuffer> params) = 0;
  /// Applies one update to every attached parameter from its gradient.
  /// Step-counted rules (Adam's bias correction) advance once per call.
  virtual void step() = 0;
  /// Sets the learning rate of the following steps; a schedule calls it
  /// between steps. Returns false when the rule has no learning rate to
  /// change (the default), and the host then refuses schedules for it.
  virtual bool set_lr(double lr);
  /// Sets the momentum factor of the following steps: SGD's and RMSprop's
  /// momentum, the Adam family's beta1. Returns false when the rule has
  /// none (the default).
  virtual bool set_momentum(double momentum);
};

/// Factory signature exported by optimizer plugins. Throws
/// std::invalid_argument on bad hyperparameters, naming the value.
using OptimizerFactory = std::unique_ptr<Optimizer>(const ParamMap& params);

}  // namespace optbench

/// Exports an optimizer plugin: `info_fn` returns its PluginInfo,
/// `create_fn` has the OptimizerFactory signature.
#define OPTBENCH_OPTIMIZER_PLUGIN(info_fn, create_fn) OPTBENCH_DETAIL_EXPORTS(info_fn, create_fn)
