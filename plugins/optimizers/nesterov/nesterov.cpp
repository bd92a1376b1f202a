// Nesterov momentum: torch.optim.SGD's rule with nesterov on, momentum 0.9 and
// lr 0.01 by default. The `nesterov` key stays in the schema so that every
// torch.optim.SGD keyword is accepted by all three SGD-family plugins.
#include "sgd/sgd_optimizer.hpp"

namespace {

const optbench::optimizers::SgdDefaults kDefaults{
    .lr_required = false, .lr = 0.01, .momentum = 0.9, .nesterov = true};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "nesterov", "SGD with Nesterov momentum (torch.optim.SGD, nesterov, momentum 0.9, lr 0.01)",
      optbench::optimizers::sgd_schema(kDefaults));
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::create_sgd("nesterov", optbench::optimizers::sgd_schema(kDefaults),
                                          params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
