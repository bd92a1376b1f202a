// The losses a network ends in, as plain loops over its float32 outputs.
#pragma once

#include <cstddef>

namespace nn {

enum class Loss { CrossEntropy, MeanSquared };

/// Mean softmax cross-entropy over `n` rows of `k` logits against class
/// indices stored as floats (torch.nn.CrossEntropyLoss). Writes
/// d(loss)/d(logits) when `grad` is non-null and counts argmax hits.
double softmax_cross_entropy(const float* logits, const float* targets, std::size_t n,
                             std::size_t k, float* grad, std::size_t* correct);
/// Mean of (y - t)^2 over all n*k elements (torch.nn.MSELoss).
double mean_squared_error(const float* y, const float* t, std::size_t n, std::size_t k,
                          float* grad);

}  // namespace nn
