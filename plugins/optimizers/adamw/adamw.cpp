// torch.optim.AdamW (1.13, single-tensor path): Adam's moments with the
// weight decay applied to the parameter itself before the update, default 1e-2.
#include "adam/adam_optimizer.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "adamw", "AdamW, as torch.optim.AdamW (decoupled weight decay, optional AMSGrad)",
      optbench::optimizers::adam_schema(/*decoupled=*/true));
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::create_adam("adamw", optbench::optimizers::adam_schema(true), params,
                                           /*decoupled=*/true);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
