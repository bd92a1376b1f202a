// torch.optim.Adam (1.13, single-tensor path): eps outside the square root of
// the bias-corrected second moment, L2 weight decay coupled into the gradient,
// optional AMSGrad.
#include "adam/adam_optimizer.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "adam", "Adam, as torch.optim.Adam (coupled L2 weight decay, optional AMSGrad)",
      optbench::optimizers::adam_schema(/*decoupled=*/false));
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::create_adam("adam", optbench::optimizers::adam_schema(false), params,
                                           /*decoupled=*/false);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
