// torch.optim.Adam as an optimizer: its schema, its moment buffers and its
// step, with the weight decay coupled into the gradient (the adam plugin) or
// decoupled from it (the adamw plugin, in its own folder).
#pragma once

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adam/adam_update.hpp"
#include "optimizer_common.hpp"

namespace optbench::optimizers {

struct AdamVariant {
  /// AdamW's weight decay, applied to the parameter itself, instead of L2.
  bool decoupled = false;
};

inline std::vector<ParamSpec> adam_schema(const AdamVariant& variant) {
  return {
      lr_spec(1e-3),
      betas_spec(),
      eps_spec(1e-8, "added to sqrt(v) / sqrt(1 - beta2^t) for numerical stability, >= 0"),
      variant.decoupled
          ? real_spec("weight_decay", 1e-2,
                      "decoupled decay: param *= 1 - lr * weight_decay before each update")
          : weight_decay_spec(),
      bool_spec("amsgrad", false, "AMSGrad: normalize by the running maximum of the second moment"),
      maximize_spec(),
  };
}

class AdamOptimizer final : public OptimizerBase {
 public:
  AdamOptimizer(std::string name, const Params& p, const AdamVariant& variant)
      : OptimizerBase(std::move(name), p.real("lr")),
        beta1_(p.reals("betas")[0]),
        beta2_(p.reals("betas")[1]),
        eps_(p.real("eps")),
        decay_(variant.decoupled ? p.real("weight_decay") : 0.0),
        amsgrad_(p.boolean("amsgrad")),
        grad_{p.boolean("maximize"),
              variant.decoupled ? 0.0f : static_cast<float>(p.real("weight_decay"))} {}

  /// beta1, as torch's schedulers cycle `betas[0]`; the bias correction
  /// then uses the current beta1, as torch's does.
  bool set_momentum(double momentum) override {
    beta1_ = momentum;
    return true;
  }

  void step() override {
    const auto t = static_cast<double>(begin_step());
    const double bias_correction1 = 1.0 - std::pow(beta1_, t);
    const double bias_correction2 = 1.0 - std::pow(beta2_, t);
    const adam::Coeffs c{
        .beta1 = static_cast<float>(beta1_),
        .beta2 = static_cast<float>(beta2_),
        .one_minus_beta1 = static_cast<float>(1.0 - beta1_),
        .one_minus_beta2 = static_cast<float>(1.0 - beta2_),
        .neg_step_size = static_cast<float>(-(lr_ / bias_correction1)),
        .bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2)),
        .eps = static_cast<float>(eps_),
        .shrink = static_cast<float>(1.0 - lr_ * decay_),
        .weight_decay = grad_.weight_decay,
    };
    // torch's AdamW always multiplies, by exactly 1 when weight_decay is 0,
    // so skipping the multiply then changes nothing.
    with_flags(
        [&](auto maximize, auto coupled, auto decoupled, auto amsgrad) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& x = params_[k];
            adam::update<maximize, coupled, decoupled, amsgrad>(
                isa_, c, x.n, x.value, x.grad, exp_avg_[k].data(), exp_avg_sq_[k].data(),
                amsgrad ? max_exp_avg_sq_[k].data() : nullptr);
          }
        },
        grad_.maximize, grad_.decays(), decay_ != 0.0, amsgrad_);
  }

 private:
  void allocate_state() override {
    exp_avg_ = make_state();
    exp_avg_sq_ = make_state();
    if (amsgrad_) max_exp_avg_sq_ = make_state();
  }

  double beta1_, beta2_, eps_, decay_;
  bool amsgrad_;
  GradOptions grad_;
  std::vector<std::vector<float>> exp_avg_, exp_avg_sq_, max_exp_avg_sq_;
};

inline std::unique_ptr<Optimizer> create_adam(const PluginInfo& info, const ParamMap& given,
                                              const AdamVariant& variant) {
  return std::make_unique<AdamOptimizer>(info.name, ResolvedParams(info, given), variant);
}

/// Adam's rule under a name of its own: coupled (Adam) or decoupled (AdamW)
/// weight decay.
using AdamPreset = Preset<AdamVariant, adam_schema, create_adam>;

}  // namespace optbench::optimizers
