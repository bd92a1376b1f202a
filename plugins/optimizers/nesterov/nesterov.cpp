// Nesterov momentum: torch.optim.SGD's rule with nesterov on, momentum 0.9 and
// lr 0.01 by default. The `nesterov` key stays in the schema so that every
// torch.optim.SGD keyword is accepted by all three SGD-family plugins.
#include "sgd/sgd_optimizer.hpp"

constexpr optbench::optimizers::SgdPreset kPreset{
    .name = "nesterov",
    .description = "SGD with Nesterov momentum (torch.optim.SGD, nesterov, momentum 0.9, lr 0.01)",
    .settings = {.lr_required = false, .lr = 0.01, .momentum = 0.9, .nesterov = true}};

OPTBENCH_OPTIMIZER_PRESET(kPreset)
