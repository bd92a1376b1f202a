// Heavy-ball momentum: torch.optim.SGD's rule with momentum 0.9 and lr 0.01
// by default, so that a preset can name it without spelling out torch's knobs.
#include "sgd/sgd_optimizer.hpp"

constexpr optbench::optimizers::SgdPreset kPreset{
    .name = "momentum",
    .description = "SGD with heavy-ball momentum (torch.optim.SGD, momentum 0.9, lr 0.01)",
    .settings = {.lr_required = false, .lr = 0.01, .momentum = 0.9, .nesterov = false}};

OPTBENCH_OPTIMIZER_PRESET(kPreset)
