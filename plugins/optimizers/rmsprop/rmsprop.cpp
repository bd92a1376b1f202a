// torch.optim.RMSprop (1.13, single-tensor path): gradient divided by the root
// of a running mean of its square, optionally centered (minus the squared
// running mean of the gradient) and with a momentum buffer.
#include "optimizer_common.hpp"
#include "rmsprop_update.hpp"

namespace {

class RmsProp final : public optbench::optimizers::OptimizerBase {
 public:
  RmsProp(std::string name, const optbench::Params& p)
      : OptimizerBase(std::move(name), p.real("lr")),
        alpha_(p.real("alpha")),
        eps_(p.real("eps")),
        momentum_(p.real("momentum")),
        centered_(p.boolean("centered")),
        grad_(optbench::optimizers::GradOptions::from(p)) {}

  bool set_momentum(double momentum) override {
    momentum_ = momentum;
    return true;
  }

  void step() override {
    begin_step();
    // A schedule may raise the momentum from zero: the buffer starts then.
    if (momentum_ > 0.0 && buf_.empty()) buf_ = make_state();
    const optbench::optimizers::rmsprop::Coeffs c{
        static_cast<float>(-lr_), static_cast<float>(alpha_),    static_cast<float>(1.0 - alpha_),
        static_cast<float>(eps_), static_cast<float>(momentum_), grad_.weight_decay};
    optbench::optimizers::with_flags(
        [&](auto maximize, auto decay, auto centered, auto momentum) {
          for (std::size_t k = 0; k < params_.size(); ++k) {
            const auto& x = params_[k];
            optbench::optimizers::rmsprop::update<maximize, decay, centered, momentum>(
                isa_, c, x.n, x.value, x.grad, square_avg_[k].data(),
                centered ? grad_avg_[k].data() : nullptr, momentum ? buf_[k].data() : nullptr);
          }
        },
        grad_.maximize, grad_.decays(), centered_, momentum_ > 0.0);
  }

 private:
  void allocate_state() override {
    square_avg_ = make_state();
    if (centered_) grad_avg_ = make_state();
    if (momentum_ > 0.0) buf_ = make_state();
  }

  double alpha_, eps_, momentum_;
  bool centered_;
  optbench::optimizers::GradOptions grad_;
  std::vector<std::vector<float>> square_avg_, grad_avg_, buf_;
};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "rmsprop", "RMSprop, as torch.optim.RMSprop (optional centering and momentum)",
      {optbench::optimizers::lr_spec(1e-2),
       optbench::optimizers::real_spec(
           "alpha", 0.99, "smoothing constant of the squared-gradient average, in [0, 1]", 0.0,
           1.0),
       optbench::optimizers::eps_spec(1e-8, "added to the root of the average, >= 0"),
       optbench::optimizers::weight_decay_spec(),
       optbench::optimizers::real_spec("momentum", 0.0,
                                       "momentum factor, >= 0 (0 disables the momentum buffer)"),
       optbench::optimizers::bool_spec(
           "centered", false,
           "normalize by an estimate of the gradient's variance instead of its second moment"),
       optbench::optimizers::maximize_spec()});
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::make_optimizer<RmsProp>(info(), params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
