// torch.optim.Adagrad (1.13, dense single-tensor path): per-element step sizes
// from the running sum of squared gradients, with a learning rate that decays
// as lr / (1 + (t - 1) * lr_decay).
#include "adagrad_update.hpp"
#include "optimizer_common.hpp"

namespace {

class Adagrad final : public optbench::optimizers::OptimizerBase {
 public:
  Adagrad(std::string name, const optbench::Params& p)
      : OptimizerBase(std::move(name), p.real("lr")),
        lr_decay_(p.real("lr_decay")),
        initial_(static_cast<float>(p.real("initial_accumulator_value"))),
        eps_(static_cast<float>(p.real("eps"))),
        grad_(optbench::optimizers::GradOptions::from(p)) {}

  void step() override {
    const auto t = static_cast<double>(begin_step());
    const optbench::optimizers::adagrad::Coeffs c{
        static_cast<float>(-(lr_ / (1.0 + (t - 1.0) * lr_decay_))), eps_, grad_.weight_decay};
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
      {optbench::optimizers::lr_spec(1e-2),
       optbench::optimizers::real_spec(
           "lr_decay", 0.0, "learning-rate decay: step t uses lr / (1 + (t - 1) * lr_decay)"),
       optbench::optimizers::weight_decay_spec(),
       optbench::optimizers::real_spec(
           "initial_accumulator_value", 0.0,
           "starting value of every element of the squared-gradient sum, >= 0"),
       optbench::optimizers::eps_spec(1e-10, "added to sqrt(sum) for numerical stability, >= 0"),
       optbench::optimizers::maximize_spec()});
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::make_optimizer<Adagrad>(info(), params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
