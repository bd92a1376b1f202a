// Every layer kind the networks are built from, one file each. Each factory
// takes the per-sample input shape and throws std::invalid_argument when the
// layer cannot follow it.
#pragma once

#include <cstdint>
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

/// Non-overlapping average pooling, as nn.AvgPool2d(k): (C, H, W) -> (C, H/k, W/k).
std::unique_ptr<Layer> make_avg_pool2d(const Dims& in, memory::dim kernel);

/// An elementwise oneDNN function (ReLU, tanh, logistic, GELU), shape kept.
std::unique_ptr<Layer> make_activation(const Dims& in, dnnl::algorithm kind);

/// Batch normalization over the channels of a (C) or (C, H, W) input, as
/// nn.BatchNorm1d / nn.BatchNorm2d: trainable `name`.weight and .bias,
/// buffers `name`.running_mean and .running_var.
std::unique_ptr<Layer> make_batch_norm(const Dims& in, const std::string& name,
                                       float momentum = 0.1f, float eps = 1e-5f);

/// Token ids -> vectors, as nn.Embedding(vocab, dim): (T) -> (T, dim).
/// Trainable `name`.weight (vocab, dim). Only as a first layer.
std::unique_ptr<Layer> make_embedding(const Dims& in, memory::dim vocab, memory::dim dim,
                                      const std::string& name);

/// A stack of `layers` LSTM layers on oneDNN's GEMM (lstm.cpp), as
/// nn.LSTM(C, hidden, layers, batch_first=True) from a zero state:
/// (T, C) -> (T, hidden). Per layer k, `name`.weight_ih_lk (4 hidden, in),
/// .weight_hh_lk (4 hidden, hidden), .bias_ih_lk, .bias_hh_lk (4 hidden),
/// gates in torch's order i, f, g, o.
std::unique_ptr<Layer> make_lstm(const Dims& in, memory::dim hidden, memory::dim layers,
                                 const std::string& name);

/// nn.Linear applied to every step of a (T, F) sequence: (T, F) -> (T, out).
std::unique_ptr<Layer> make_token_dense(const Dims& in, memory::dim out, const std::string& name);

/// Dropout with probability `p` in train mode, the identity in eval mode;
/// masks drawn from `seed`.
std::unique_ptr<Layer> make_dropout(const Dims& in, float p, std::uint64_t seed);

}  // namespace nn
