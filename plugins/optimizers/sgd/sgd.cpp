// torch.optim.SGD: plain gradient descent with optional momentum, dampening,
// Nesterov momentum, L2 weight decay and maximize. The learning rate has no
// default, as in torch, so a preset must choose it.
#include "sgd/sgd_optimizer.hpp"

constexpr optbench::optimizers::SgdPreset kPreset{
    .name = "sgd",
    .description = "Stochastic gradient descent, as torch.optim.SGD (lr required)",
    .settings = {.lr_required = true}};

OPTBENCH_OPTIMIZER_PRESET(kPreset)
