// The LSTM cell kernels (plugins/models/nn/lstm_cell.cpp): the baseline
// copy, which a CPU without AVX2 runs, gives the AVX2 copy's bits forward
// and backward, over a row width with whole vectors of both and a tail; and
// one cell against the formulas evaluated in double. PyTorch parity of the
// whole layer is nn_layers_golden_test's.
#include "lstm_cell.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "float_bits.hpp"
#include "optbench/random.hpp"

namespace nn {
namespace {

constexpr std::size_t kRows = 3, kHidden = 19;

std::vector<float> uniform(optbench::Rng& rng, std::size_t n, double scale) {
  std::vector<float> v(n);
  for (auto& x : v)
    x = static_cast<float>(rng.uniform(-scale, scale));
  return v;
}

/// One step's buffers, rows contiguous.
struct StepData {
  std::vector<float> gates, c_prev, c, tanh_c, h, bias;
  LstmRows rows(bool with_prev) {
    LstmRows s;
    s.rows = kRows;
    s.hidden = kHidden;
    s.gates = gates.data();
    s.gates_stride = 4 * kHidden;
    s.c_prev = with_prev ? c_prev.data() : nullptr;
    s.c_prev_stride = kHidden;
    s.c = c.data();
    s.tanh_c = tanh_c.data();
    s.c_stride = kHidden;
    s.h = h.data();
    s.h_stride = kHidden;
    return s;
  }
};

StepData random_step(std::uint64_t seed) {
  optbench::Rng rng(seed);
  StepData d;
  // Pre-activations up to +-12 reach both branches of tanh and the sigmoid.
  d.gates = uniform(rng, kRows * 4 * kHidden, 12.0);
  d.c_prev = uniform(rng, kRows * kHidden, 3.0);
  d.bias = uniform(rng, 4 * kHidden, 0.5);
  d.c.assign(kRows * kHidden, 0.0f);
  d.tanh_c = d.c;
  d.h = d.c;
  return d;
}

using optbench::testing::expect_same_bits;

TEST(LstmCell, BaselineCopyGivesTheAvx2CopysBits) {
  if (!__builtin_cpu_supports("avx2")) GTEST_SKIP() << "this CPU has no AVX2";
  for (const bool with_prev : {false, true}) {
    SCOPED_TRACE(with_prev ? "with a previous cell state" : "from a zero state");
    StepData base = random_step(7), wide = random_step(7);
    lstm_forward_rows(base.rows(with_prev), base.bias.data(), true);
    lstm_forward_rows(wide.rows(with_prev), wide.bias.data(), false);
    expect_same_bits(base.gates, wide.gates, "activations");
    expect_same_bits(base.c, wide.c, "c");
    expect_same_bits(base.tanh_c, wide.tanh_c, "tanh(c)");
    expect_same_bits(base.h, wide.h, "h");

    optbench::Rng rng(11);
    const auto dy = uniform(rng, kRows * kHidden, 1.0);
    const auto dh_next = uniform(rng, kRows * kHidden, 1.0);
    const auto dc0 = uniform(rng, kRows * kHidden, 1.0);
    std::vector<float> base_dc = dc0, wide_dc = dc0;
    std::vector<float> base_dg(kRows * 4 * kHidden), wide_dg(base_dg.size());
    lstm_backward_rows(base.rows(with_prev), dy.data(), dh_next.data(), base_dc.data(),
                       base_dg.data(), 4 * kHidden, true);
    lstm_backward_rows(wide.rows(with_prev), dy.data(), dh_next.data(), wide_dc.data(),
                       wide_dg.data(), 4 * kHidden, false);
    expect_same_bits(base_dg, wide_dg, "gate gradients");
    expect_same_bits(base_dc, wide_dc, "cell gradient");
  }
}

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// Every cell of a step against the formulas in double: forward within
// 1e-6 absolute (the activations are within 2 ulp, c and h a few
// roundings), backward within 1e-5 relative to the gradients' scale.
TEST(LstmCell, OneStepMatchesTheFormulasInDouble) {
  StepData d = random_step(3);
  const std::vector<float> pre = d.gates;
  optbench::Rng rng(5);
  const auto dy = uniform(rng, kRows * kHidden, 1.0);
  const auto dh_next = uniform(rng, kRows * kHidden, 1.0);
  std::vector<float> dc = uniform(rng, kRows * kHidden, 1.0);
  const std::vector<float> dc_in = dc;
  std::vector<float> dg(kRows * 4 * kHidden);
  lstm_forward_rows(d.rows(true), d.bias.data());
  lstm_backward_rows(d.rows(true), dy.data(), dh_next.data(), dc.data(), dg.data(), 4 * kHidden);
  const std::size_t H = kHidden;
  for (std::size_t n = 0; n < kRows; ++n) {
    for (std::size_t j = 0; j < H; ++j) {
      const auto at = [&](std::size_t gate) { return n * 4 * H + gate * H + j; };
      const double i = sigmoid(double(pre[at(0)]) + d.bias[j]);
      const double f = sigmoid(double(pre[at(1)]) + d.bias[H + j]);
      const double g = std::tanh(double(pre[at(2)]) + d.bias[2 * H + j]);
      const double o = sigmoid(double(pre[at(3)]) + d.bias[3 * H + j]);
      const double cp = d.c_prev[n * H + j];
      const double c = f * cp + i * g, t = std::tanh(c), h = o * t;
      EXPECT_NEAR(d.c[n * H + j], c, 1e-6) << n << ", " << j;
      EXPECT_NEAR(d.h[n * H + j], h, 1e-6) << n << ", " << j;
      const double dh = double(dy[n * H + j]) + dh_next[n * H + j];
      const double dcell = dc_in[n * H + j] + dh * o * (1 - t * t);
      const double want[] = {dcell * g * i * (1 - i), dcell * cp * f * (1 - f),
                             dcell * i * (1 - g * g), dh * t * o * (1 - o)};
      for (std::size_t gate = 0; gate < 4; ++gate)
        EXPECT_NEAR(dg[at(gate)], want[gate], 1e-5 * (1 + std::abs(want[gate])))
            << "gate " << gate << ", " << n << ", " << j;
      EXPECT_NEAR(dc[n * H + j], dcell * f, 1e-5 * (1 + std::abs(dcell))) << n << ", " << j;
    }
  }
}

}  // namespace
}  // namespace nn
