// Every layer kind the networks are built from, one file each. Each factory
// takes the per-sample input shape and throws std::invalid_argument when the
// layer cannot follow it.
#pragma once

#include <memory>
#include <string>

#include "layer.hpp"

namespace nn {

/// Inner product over a whole sample, as nn.Linear after torch.flatten:
/// (in...) -> (out). Parameters `name`.weight (out, in...) and `name`.bias.
std::unique_ptr<Layer> make_dense(const Dims& in, memory::dim out, const std::string& name);

/// Square kernel, stride 1, no padding, as nn.Conv2d(C, out, k):
/// (C, H, W) -> (out, H-k+1, W-k+1).
std::unique_ptr<Layer> make_conv2d(const Dims& in, memory::dim out, memory::dim kernel,
                                   const std::string& name);

/// Non-overlapping max pooling, as nn.MaxPool2d(k): (C, H, W) -> (C, H/k, W/k).
std::unique_ptr<Layer> make_max_pool2d(const Dims& in, memory::dim kernel);

/// An elementwise oneDNN function (ReLU, tanh, logistic, ...), shape kept.
std::unique_ptr<Layer> make_activation(const Dims& in, dnnl::algorithm kind);

}  // namespace nn
