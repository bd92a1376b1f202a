// The course-notes Adam's element loop (eps inside the square root), apart
// from the plugin so that the SIMD test can run it on either Isa.
#pragma once

#include <cmath>
#include <cstddef>

#include "optimizer_common.hpp"

namespace optbench::optimizers::adam_textbook {

struct Coeffs {
  float lr, beta1, beta2, one_minus_beta1, one_minus_beta2;
  float bias_correction1, bias_correction2;  ///< 1 - beta^t
  float eps;
};

inline void update(Isa isa, const Coeffs c, std::size_t n, float* p, const float* g, float* m,
                   float* v) {
  for_each_element(isa, n, [=](std::size_t i) {
    m[i] = c.beta1 * m[i] + c.one_minus_beta1 * g[i];
    v[i] = c.beta2 * v[i] + (c.one_minus_beta2 * g[i]) * g[i];
    const float m_hat = m[i] / c.bias_correction1;
    const float v_hat = v[i] / c.bias_correction2;
    p[i] = p[i] - c.lr * m_hat / std::sqrt(v_hat + c.eps);
  });
}

}  // namespace optbench::optimizers::adam_textbook
