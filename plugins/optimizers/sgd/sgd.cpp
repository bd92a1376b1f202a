// torch.optim.SGD: plain gradient descent with optional momentum, dampening,
// Nesterov momentum, L2 weight decay and maximize. The learning rate has no
// default, as in torch, so a preset must choose it.
#include "sgd/sgd_optimizer.hpp"

namespace {

const optbench::optimizers::SgdDefaults kDefaults{.lr_required = true};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "sgd", "Stochastic gradient descent, as torch.optim.SGD (lr required)",
      optbench::optimizers::sgd_schema(kDefaults));
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::create_sgd("sgd", optbench::optimizers::sgd_schema(kDefaults),
                                          params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
