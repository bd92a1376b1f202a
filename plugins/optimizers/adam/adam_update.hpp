// torch.optim.Adam's and AdamW's element loop (1.13, single-tensor path):
// the two moment averages, optional AMSGrad maximum, coupled or decoupled
// weight decay. Apart from the plugin so that the SIMD test can run it on
// either Isa; the adamw plugin uses it too.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "optimizer_common.hpp"

namespace optbench::optimizers::adam {

struct Coeffs {
  float beta1, beta2, one_minus_beta1, one_minus_beta2;
  float neg_step_size;  ///< -lr / (1 - beta1^t)
  float bc2_sqrt;       ///< sqrt(1 - beta2^t)
  float eps;
  float shrink;  ///< AdamW's 1 - lr * weight_decay
  float weight_decay;
};

template <bool Maximize, bool Coupled, bool Decoupled, bool AmsGrad>
void update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* grad, float* m, float* v,
            float* vmax) {
  for_each_element(isa, n, [=](std::size_t i) {
    const float g = prepare_grad<Maximize, Coupled>(grad[i], p[i], c.weight_decay);
    float x = p[i];
    if constexpr (Decoupled) x = x * c.shrink;
    m[i] = m[i] * c.beta1 + c.one_minus_beta1 * g;
    v[i] = v[i] * c.beta2 + (c.one_minus_beta2 * g) * g;
    float second = v[i];
    if constexpr (AmsGrad) {
      second = std::max(vmax[i], second);
      vmax[i] = second;
    }
    const float denom = std::sqrt(second) / c.bc2_sqrt + c.eps;
    p[i] = x + (c.neg_step_size * m[i]) / denom;
  });
}

}  // namespace optbench::optimizers::adam
