// The from-scratch Adam of the course notes this project reproduces. It
// differs from torch.optim.Adam in where eps goes: inside the square root of
// the bias-corrected second moment, p -= lr * m_hat / sqrt(v_hat + eps), which
// damps the first steps far more when v is tiny. Kept as its own plugin so the
// two can be compared; it has no weight decay or AMSGrad.
#include <cmath>

#include "adam_textbook_update.hpp"
#include "optimizer_common.hpp"

namespace {

class AdamTextbook final : public optbench::optimizers::OptimizerBase {
 public:
  AdamTextbook(std::string name, const optbench::Params& p)
      : OptimizerBase(std::move(name), p.real("lr")),
        beta1_(p.reals("betas")[0]),
        beta2_(p.reals("betas")[1]),
        eps_(p.real("eps")) {}

  bool set_momentum(double momentum) override {
    beta1_ = momentum;
    return true;
  }

  void step() override {
    const auto t = static_cast<double>(begin_step());
    const optbench::optimizers::adam_textbook::Coeffs c{
        .lr = static_cast<float>(lr_),
        .beta1 = static_cast<float>(beta1_),
        .beta2 = static_cast<float>(beta2_),
        .one_minus_beta1 = static_cast<float>(1.0 - beta1_),
        .one_minus_beta2 = static_cast<float>(1.0 - beta2_),
        .bias_correction1 = static_cast<float>(1.0 - std::pow(beta1_, t)),
        .bias_correction2 = static_cast<float>(1.0 - std::pow(beta2_, t)),
        .eps = static_cast<float>(eps_),
    };
    for (std::size_t k = 0; k < params_.size(); ++k) {
      const auto& x = params_[k];
      optbench::optimizers::adam_textbook::update(isa_, c, x.n, x.value, x.grad, m_[k].data(),
                                                  v_[k].data());
    }
  }

 private:
  void allocate_state() override {
    m_ = make_state();
    v_ = make_state();
  }

  double beta1_, beta2_, eps_;
  std::vector<std::vector<float>> m_, v_;
};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "adam_textbook", "Course-notes Adam: eps inside the square root, no weight decay",
      {optbench::optimizers::lr_spec(1e-3), optbench::optimizers::betas_spec(),
       optbench::optimizers::eps_spec(
           1e-8, "added to v_hat inside the square root (course notes), >= 0")});
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::make_optimizer<AdamTextbook>(info(), params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
