// torch.optim.Adagrad (1.13, dense single-tensor path): per-element step sizes
// from the running sum of squared gradients, with a learning rate that decays
// as lr / (1 + (t - 1) * lr_decay).
#include "adagrad_update.hpp"
#include "optimizer_common.hpp"

namespace {

using optbench::optimizers::real_spec;

std::vector<optbench::ParamSpec> schema() {
  return {
      optbench::optimizers::lr_spec(1e-2),
      real_spec("lr_decay", 0.0, "learning-rate decay: step t uses lr / (1 + (t - 1) * lr_decay)"),
      optbench::optimizers::weight_decay_spec(),
      real_spec("initial_accumulator_value", 0.0,
                "starting value of every element of the squared-gradient sum, >= 0"),
      optbench::optimizers::eps_spec(1e-10, "added to sqrt(sum) for numerical stability, >= 0"),
      optbench::optimizers::maximize_spec(),
  };
}

using optbench::optimizers::adagrad::Coeffs;

class Adagrad final : public optbench::optimizers::OptimizerBase {
 public:
  explicit Adagrad(const optbench::Params& p)
      : OptimizerBase("adagrad", p.real("lr")),
        lr_decay_(p.real("lr_decay")),
        initial_(static_cast<float>(p.real("initial_accumulator_value"))),
        eps_(static_cast<float>(p.real("eps"))),
        grad_(optbench::optimizers::GradOptions::from(p)) {}

  void step() override {
    const auto t = static_cast<double>(begin_step());
    const Coeffs c{static_cast<float>(-(lr_ / (1.0 + (t - 1.0) * lr_decay_))), eps_,
                   grad_.weight_decay};
    optbench::optimizers::with_flags(
        [&](auto maximize, auto decay) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& x = params_[k];
            optbench::optimizers::adagrad::update<maximize, decay>(isa_, c, x.n, x.value, x.grad,
                                                                   sum_[k].data());
          }
        },
        grad_.maximize, grad_.decays());
  }

 private:
  void allocate_state() override { sum_ = make_state(initial_); }

  double lr_decay_;
  float initial_, eps_;
  optbench::optimizers::GradOptions grad_;
  std::vector<std::vector<float>> sum_;
};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "adagrad", "Adagrad, as torch.optim.Adagrad (lr decay, initial accumulator, L2 decay)",
      schema());
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  const auto resolved = optbench::resolve_params("adagrad", schema(), params);
  return std::make_unique<Adagrad>(optbench::Params(resolved));
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
