// Heavy-ball momentum: torch.optim.SGD's rule with momentum 0.9 and lr 0.01
// by default, so that a preset can name it without spelling out torch's knobs.
#include "sgd/sgd_optimizer.hpp"

namespace {

const optbench::optimizers::SgdDefaults kDefaults{
    .lr_required = false, .lr = 0.01, .momentum = 0.9, .nesterov = false};

optbench::PluginInfo info() {
  return optbench::optimizers::make_info(
      "momentum", "SGD with heavy-ball momentum (torch.optim.SGD, momentum 0.9, lr 0.01)",
      optbench::optimizers::sgd_schema(kDefaults));
}

std::unique_ptr<optbench::Optimizer> create(const optbench::ParamMap& params) {
  return optbench::optimizers::create_sgd("momentum", optbench::optimizers::sgd_schema(kDefaults),
                                          params);
}

}  // namespace

OPTBENCH_OPTIMIZER_PLUGIN(info, create)
