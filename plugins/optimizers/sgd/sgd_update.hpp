// torch.optim.SGD's element loops (1.13, single-tensor path): plain descent,
// and descent with a momentum buffer (heavy ball or Nesterov). Apart from
// the plugin so that the SIMD test can run them on either Isa; the
// momentum and nesterov plugins use them too.
#pragma once

#include <cstddef>

#include "optimizer_common.hpp"

namespace optbench::optimizers::sgd {

struct Coeffs {
  float neg_lr, momentum, keep, weight_decay;
};

template <bool Maximize, bool Decay>
void update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* grad) {
  for_each_element(isa, n, [=](std::size_t i) {
    p[i] = p[i] + c.neg_lr * prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
  });
}

template <bool Maximize, bool Decay, bool First, bool Nesterov>
void momentum_update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* grad,
                     float* buf) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
    // torch starts the buffer as a copy of the first gradient, undamped.
    float b;
    if constexpr (First) {
      b = g;
    } else {
      b = buf[i] * c.momentum + c.keep * g;
    }
    buf[i] = b;
    float d = b;
    if constexpr (Nesterov) d = g + c.momentum * b;
    p[i] = p[i] + c.neg_lr * d;
  });
}

}  // namespace optbench::optimizers::sgd
