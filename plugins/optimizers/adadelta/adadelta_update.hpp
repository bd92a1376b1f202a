// Adadelta's element loop (torch.optim.Adadelta 1.13, single-tensor path),
// apart from the plugin so that the SIMD test can run it on either Isa.
#pragma once

#include <cmath>
#include <cstddef>

#include "optimizer_common.hpp"

namespace optbench::optimizers::adadelta {

struct Coeffs {
  float neg_lr, rho, one_minus_rho, eps, weight_decay;
};

template <bool Maximize, bool Decay>
void update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* grad, float* sq,
            float* acc) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
    sq[i] = sq[i] * c.rho + (c.one_minus_rho * g) * g;
    const float std_dev = std::sqrt(sq[i] + c.eps);
    const float delta = std::sqrt(acc[i] + c.eps) / std_dev * g;
    acc[i] = acc[i] * c.rho + (c.one_minus_rho * delta) * delta;
    p[i] = p[i] + c.neg_lr * delta;
  });
}

}  // namespace optbench::optimizers::adadelta
