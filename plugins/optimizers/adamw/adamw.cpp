// torch.optim.AdamW (1.13, single-tensor path): Adam's moments with the
// weight decay applied to the parameter itself before the update, default 1e-2.
#include "adam/adam_optimizer.hpp"

constexpr optbench::optimizers::AdamPreset kPreset{
    .name = "adamw",
    .description = "AdamW, as torch.optim.AdamW (decoupled weight decay, optional AMSGrad)",
    .settings = {.decoupled = true}};

OPTBENCH_OPTIMIZER_PRESET(kPreset)
