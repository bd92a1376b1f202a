// RMSprop's element loop (torch.optim.RMSprop 1.13, single-tensor path),
// apart from the plugin so that the SIMD test can run it on either Isa.
#pragma once

#include <cmath>
#include <cstddef>

#include "optimizer_common.hpp"

namespace optbench::optimizers::rmsprop {

struct Coeffs {
  float neg_lr, alpha, one_minus_alpha, eps, momentum, weight_decay;
};

/// `ga` (the gradient average) is only touched when Centered, `buf` only
/// with Momentum; either may be null otherwise.
template <bool Maximize, bool Decay, bool Centered, bool Momentum>
void update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* grad, float* sq,
            float* ga, float* buf) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
    sq[i] = sq[i] * c.alpha + (c.one_minus_alpha * g) * g;
    float avg;
    if constexpr (Centered) {
      ga[i] = ga[i] * c.alpha + c.one_minus_alpha * g;
      avg = std::sqrt(sq[i] - ga[i] * ga[i]);
    } else {
      avg = std::sqrt(sq[i]);
    }
    avg = avg + c.eps;
    if constexpr (Momentum) {
      buf[i] = buf[i] * c.momentum + g / avg;
      p[i] = p[i] + c.neg_lr * buf[i];
    } else {
      p[i] = p[i] + (c.neg_lr * g) / avg;
    }
  });
}

}  // namespace optbench::optimizers::rmsprop
