// The shape rule of both pooling layers.
#pragma once

#include <stdexcept>
#include <string>

#include "layer.hpp"

namespace nn {

/// Non-overlapping k x k windows (stride = kernel, no padding, floor), as
/// nn.MaxPool2d(k) and nn.AvgPool2d(k): (C, H, W) -> (C, H/k, W/k). Throws
/// naming `pooling` ("max pooling") for any other input.
inline Dims pooled_shape(const Dims& in, memory::dim k, const std::string& pooling) {
  if (in.size() != 3 || k < 1 || in[1] < k || in[2] < k) {
    throw std::invalid_argument("nn: " + pooling + " needs a (C, H, W) input of at least " +
                                std::to_string(k) + "x" + std::to_string(k));
  }
  return {in[0], in[1] / k, in[2] / k};
}

}  // namespace nn
