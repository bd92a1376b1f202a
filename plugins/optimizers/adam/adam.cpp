// torch.optim.Adam (1.13, single-tensor path): eps outside the square root of
// the bias-corrected second moment, L2 weight decay coupled into the gradient,
// optional AMSGrad.
#include "adam/adam_optimizer.hpp"

constexpr optbench::optimizers::AdamPreset kPreset{
    .name = "adam",
    .description = "Adam, as torch.optim.Adam (coupled L2 weight decay, optional AMSGrad)",
    .settings = {.decoupled = false}};

OPTBENCH_OPTIMIZER_PRESET(kPreset)
