// torch.optim.SGD as an optimizer: its schema (with the defaults of the
// preset that uses it: sgd, momentum, nesterov), its momentum buffers and its
// step. The sgd plugin is this with torch's defaults; momentum and nesterov
// are presets of it, in their own folders.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "optimizer_common.hpp"
#include "sgd/sgd_update.hpp"

namespace optbench::optimizers {

struct SgdDefaults {
  bool lr_required = true;
  double lr = 0.0;
  double momentum = 0.0;
  bool nesterov = false;
};

inline std::vector<ParamSpec> sgd_schema(const SgdDefaults& d) {
  return {
      d.lr_required ? required_lr_spec() : lr_spec(d.lr),
      real_spec("momentum", d.momentum, "momentum factor, >= 0 (0 disables the momentum buffer)"),
      real_spec("dampening", 0.0,
                "dampening for momentum, in [0, 1]: the buffer adds (1 - dampening) * grad", 0.0,
                1.0),
      weight_decay_spec(),
      bool_spec("nesterov", d.nesterov,
                "use Nesterov momentum (needs momentum > 0 and dampening = 0)"),
      maximize_spec(),
  };
}

class SgdOptimizer final : public OptimizerBase {
 public:
  SgdOptimizer(std::string name, const Params& p)
      : OptimizerBase(std::move(name), p.real("lr")),
        momentum_(p.real("momentum")),
        dampening_(p.real("dampening")),
        nesterov_(p.boolean("nesterov")),
        grad_(GradOptions::from(p)) {}

  bool set_momentum(double momentum) override {
    momentum_ = momentum;
    return true;
  }

  void step() override {
    begin_step();
    // torch starts the buffer on the first step taken with a momentum, which
    // is a later one when a schedule raises the momentum from zero.
    const bool first = momentum_ != 0.0 && buf_.empty();
    if (first) buf_ = make_state();
    const sgd::Coeffs c{static_cast<float>(-lr_), static_cast<float>(momentum_),
                        static_cast<float>(1.0 - dampening_), grad_.weight_decay};
    if (momentum_ == 0.0) {
      with_flags(
          [&](auto maximize, auto decay) {
            for (const auto& t : params_)
              sgd::update<maximize, decay>(isa_, c, t.n, t.value, t.grad);
          },
          grad_.maximize, grad_.decays());
      return;
    }
    with_flags(
        [&](auto maximize, auto decay, auto is_first, auto nesterov) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& t = params_[k];
            sgd::momentum_update<maximize, decay, is_first, nesterov>(isa_, c, t.n, t.value, t.grad,
                                                                      buf_[k].data());
          }
        },
        grad_.maximize, grad_.decays(), first, nesterov_);
  }

 private:
  void allocate_state() override {}

  double momentum_, dampening_;
  bool nesterov_;
  GradOptions grad_;
  std::vector<std::vector<float>> buf_;
};

inline std::unique_ptr<Optimizer> create_sgd(const PluginInfo& info, const ParamMap& given,
                                             const SgdDefaults&) {
  const ResolvedParams p(info, given);
  if (p.boolean("nesterov") && (p.real("momentum") <= 0.0 || p.real("dampening") != 0.0)) {
    // torch.optim.SGD's own wording, plus the values that broke it.
    throw std::invalid_argument(info.name +
                                ": nesterov: Nesterov momentum requires a momentum and zero "
                                "dampening (got nesterov true, momentum " +
                                format_value(p.real("momentum")) + ", dampening " +
                                format_value(p.real("dampening")) + ")");
  }
  return std::make_unique<SgdOptimizer>(info.name, p);
}

/// torch.optim.SGD under a name of its own, with its own defaults.
using SgdPreset = Preset<SgdDefaults, sgd_schema, create_sgd>;

}  // namespace optbench::optimizers
