// torch.optim.Adadelta (1.13, single-tensor path): the step is the ratio of
// the roots of two running averages (past squared updates over squared
// gradients), eps inside both roots, scaled by lr.
#include "adadelta_update.hpp"
#include "optimizer_common.hpp"

namespace {

class Adadelta final : public optbench::optimizers::OptimizerBase {
 public:
  Adadelta(std::string name, const optbench::Params& p)
      : OptimizerBase(std::move(name), p.real("lr")),
        rho_(p.real("rho")),
        eps_(p.real("eps")),
        grad_(optbench::optimizers::GradOptions::from(p)) {}

  void step() override {
    begin_step();
    const optbench::optimizers::adadelta::Coeffs c{
        static_cast<float>(-lr_), static_cast<float>(rho_), static_cast<float>(1.0 - rho_),
        static_cast<float>(eps_), grad_.weight_decay};
    optbench::optimizers::with_flags(
        [&](auto maximize, auto decay) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& x = params_[k];
            optbench::optimizers::adadelta::update<maximize, decay>(
                isa_, c, x.n, x.value, x.grad, square_avg_[k].data(), acc_delta_[k].data());
          }
        },
        grad_.maximize, grad_.decays());
  }

 private:
  void allocate_state() override {
    square_avg_ = make_state();
    acc_delta_ = make_state();
  }

  double rho_, eps_;
  optbench::optimizers::GradOptions grad_;
  std::vector<std::vector<float>> square_avg_, acc_delta_;
};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "adadelta", "Adadelta, as torch.optim.Adadelta (lr-scaled, L2 weight decay)",
      {optbench::optimizers::lr_spec(1.0),
       optbench::optimizers::real_spec("rho", 0.9, "decay rate of both running averages, in [0, 1]",
                                       0.0, 1.0),
       optbench::optimizers::eps_spec(1e-6, "added inside both square roots, >= 0"),
       optbench::optimizers::weight_decay_spec(), optbench::optimizers::maximize_spec()});
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::make_optimizer<Adadelta>(info(), params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
