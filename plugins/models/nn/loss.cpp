#include "loss.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace nn {

double softmax_cross_entropy(const float* logits, const float* targets, std::size_t n,
                             std::size_t k, float* grad, std::size_t* correct) {
  double total = 0.0;
  std::size_t hits = 0;
  const float scale = 1.0f / static_cast<float>(n);
  // One row's exponentials; kept per thread so that a step allocates nothing
  // once the widest row has been seen.
  thread_local std::vector<double> exps;
  if (exps.size() < k) exps.resize(k);
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = logits + i * k;
    const float t = targets[i];
    if (!(t >= 0.0f && t < static_cast<float>(k)) || t != std::floor(t)) {
      throw std::invalid_argument("nn: class index " + std::to_string(t) + " is not in [0, " +
                                  std::to_string(k) + ")");
    }
    const auto label = static_cast<std::size_t>(t);
    std::size_t best = 0;
    for (std::size_t j = 1; j < k; ++j) {
      if (row[j] > row[best]) best = j;
    }
    hits += best == label;
    // Shifting by the maximum keeps exp() from overflowing. Each exp() is
    // computed once and kept for the gradient: libm's exp was most of this
    // function's time.
    const float m = row[best];
    double sum = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      exps[j] = std::exp(static_cast<double>(row[j] - m));
      sum += exps[j];
    }
    const double log_sum = std::log(sum);
    total += log_sum - static_cast<double>(row[label] - m);
    if (grad) {
      float* g = grad + i * k;
      const double inv = 1.0 / sum;
      for (std::size_t j = 0; j < k; ++j)
        g[j] = static_cast<float>(exps[j] * inv) * scale;
      g[label] -= scale;
    }
  }
  if (correct) *correct = hits;
  return total / static_cast<double>(n);
}

double mean_squared_error(const float* y, const float* t, std::size_t n, std::size_t k,
                          float* grad) {
  const std::size_t count = n * k;
  double total = 0.0;
  const float scale = 2.0f / static_cast<float>(count);
  for (std::size_t i = 0; i < count; ++i) {
    const float d = y[i] - t[i];
    total += static_cast<double>(d) * d;
    if (grad) grad[i] = scale * d;
  }
  return total / static_cast<double>(count);
}

}  // namespace nn
