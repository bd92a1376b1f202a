// Initial values of a network's tensors, as PyTorch's modules set them.
#pragma once

#include <vector>

#include "layer.hpp"
#include "optbench/random.hpp"

namespace nn {

/// Each tensor by its Init rule, in the order given. TorchUniform draws
/// U(-b, b), b = 1/sqrt(fan_in), from `rng` (nn.Linear's and nn.Conv2d's
/// default for weight and bias), StandardNormal N(0, 1)
/// (nn.Embedding's); constants draw nothing, so adding a
/// normalization layer does not shift the draws of the layers after it.
void init_torch(const std::vector<Parameter*>& params, optbench::Rng& rng);

}  // namespace nn
