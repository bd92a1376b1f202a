// Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"),
// written the way a user writes a plugin: one file, the installed SDK only.
//   c = beta1 m + (1 - beta1) g;  p = p (1 - lr wd) - lr sign(c)
//   m = beta2 m + (1 - beta2) g
#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "optbench/optimizer.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::plugin_info(
      optbench::PluginKind::Optimizer, "lion", "1.0.0",
      "Lion: the sign of an interpolated momentum, decoupled weight decay",
      {
          {.name = "lr",
           .type = optbench::ParamType::Real,
           .default_value = 1e-4,
           .doc = "step size of every coordinate, > 0",
           .min = 0.0,
           .min_exclusive = true},
          {.name = "betas",
           .type = optbench::ParamType::RealList,
           .default_value = std::vector<double>{0.9, 0.99},
           .doc = "[beta1, beta2]: interpolation for the update, decay of the momentum; in [0, 1)",
           .min = 0.0,
           .max = 1.0,
           .max_exclusive = true,
           .list_size = 2},
          {.name = "weight_decay",
           .type = optbench::ParamType::Real,
           .default_value = 0.0,
           .doc = "decoupled decay: param *= 1 - lr * weight_decay each step, >= 0",
           .min = 0.0},
      });
}

class Lion final : public optbench::Optimizer {
 public:
  Lion(float lr, float beta1, float beta2, float weight_decay)
      : lr_(lr), beta1_(beta1), beta2_(beta2), shrink_(1.0f - lr * weight_decay) {}

  void attach(std::span<const optbench::ParamBuffer> params) override {
    params_.assign(params.begin(), params.end());
    for (const auto& p : params_)
      momentum_.emplace_back(p.n, 0.0f);
  }

  void step() override {
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const auto& p = params_[k];
      float* m = momentum_[k].data();
      for (std::size_t i = 0; i < p.n; ++i) {
        const float g = p.grad[i];
        const float c = beta1_ * m[i] + (1.0f - beta1_) * g;
        const float sign = static_cast<float>((c > 0.0f) - (c < 0.0f));
        p.value[i] = p.value[i] * shrink_ - lr_ * sign;
        m[i] = beta2_ * m[i] + (1.0f - beta2_) * g;
      }
    }
  }

 private:
  float lr_, beta1_, beta2_, shrink_;
  std::vector<optbench::ParamBuffer> params_;
  std::vector<std::vector<float>> momentum_;
};

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& given) {
  const auto about = info();
  const auto resolved = optbench::resolve_params(about.name, about.schema, given);
  const optbench::Params p(resolved);
  const double lr = p.real("lr"), weight_decay = p.real("weight_decay");
  if (lr * weight_decay >= 1.0) {
    throw std::invalid_argument(
        std::string("lion: lr * weight_decay must be < 1, or the decay flips the sign of every "
                    "weight (got ") +
        optbench::format_value(lr * weight_decay) + ")");
  }
  return std::make_unique<Lion>(static_cast<float>(lr), static_cast<float>(p.reals("betas")[0]),
                                static_cast<float>(p.reals("betas")[1]),
                                static_cast<float>(weight_decay));
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
