// Adagrad's element loop (torch.optim.Adagrad 1.13, dense single-tensor
// path), apart from the plugin so that the SIMD test can run it on either Isa.
#pragma once

#include <cmath>
#include <cstddef>

#include "optimizer_common.hpp"

namespace optbench::optimizers::adagrad {

struct Coeffs {
  float neg_clr;  ///< -lr / (1 + (t - 1) * lr_decay)
  float eps, weight_decay;
};

template <bool Maximize, bool Decay>
void update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* grad, float* sum) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Decay>(grad[i], p[i], c.weight_decay);
    sum[i] = sum[i] + g * g;
    const float std_dev = std::sqrt(sum[i]) + c.eps;
    p[i] = p[i] + (c.neg_clr * g) / std_dev;
  });
}

}  // namespace optbench::optimizers::adagrad
