// The Winograd convolution (plugins/models/nn/winograd.cpp) against the
// definition summed in double: forward, input, weight and bias gradients,
// for every kernel size it serves and images whose sides are not multiples
// of a tile's outputs. And its bits on several threads against one.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "float_bits.hpp"
#include "winograd.hpp"

namespace {

using nn::WinogradConv;
using nn::WinogradShape;

bool cpu_runs_it() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

std::vector<float> random_values(std::size_t n, std::uint32_t seed) {
  std::vector<float> v(n);
  std::uint32_t state = seed * 2654435761u + 1;
  for (auto& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(state >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  }
  return v;
}

/// Index of (n, c, y, x) in nChw8c.
std::size_t blocked(std::size_t channels, std::size_t h, std::size_t w, std::size_t n,
                    std::size_t c, std::size_t y, std::size_t x) {
  return (((n * (channels / 8) + c / 8) * h + y) * w + x) * 8 + c % 8;
}

/// A value summed in double and the sum of its terms' magnitudes, which
/// bounds what float rounding can do to it.
struct Exact {
  std::vector<double> value, magnitude;
  explicit Exact(std::size_t n) : value(n, 0.0), magnitude(n, 0.0) {}
  void add(std::size_t i, double term) {
    value[i] += term;
    magnitude[i] += std::abs(term);
  }
};

struct Case {
  WinogradShape shape;
  std::vector<float> src, weight, bias, diff_dst;
  explicit Case(const WinogradShape& s)
      : shape(s),
        src(random_values(s.batch * s.in_channels * s.height * s.width, 1)),
        weight(random_values(s.out_channels * s.in_channels * s.kernel * s.kernel, 2)),
        bias(random_values(s.out_channels, 3)),
        diff_dst(random_values(s.batch * s.out_channels * s.out_height() * s.out_width(), 4)) {}
};

struct Results {
  std::vector<float> dst, diff_src, diff_weight, diff_bias;
};

Results run(const Case& c) {
  const auto& s = c.shape;
  WinogradConv conv(s, true);
  Results r;
  r.dst.resize(c.diff_dst.size());
  r.diff_src.resize(c.src.size());
  r.diff_weight.resize(c.weight.size());
  r.diff_bias.resize(c.bias.size());
  conv.forward(c.src.data(), c.weight.data(), c.bias.data(), r.dst.data());
  conv.backward(c.diff_dst.data(), c.weight.data(), r.diff_src.data(), r.diff_weight.data(),
                r.diff_bias.data());
  return r;
}

// |error| over the sum of the terms' magnitudes, worst over these cases as
// measured: 1.8e-6 output, 3.8e-6 input gradient, 5.6e-6 weight gradient,
// 9e-8 bias gradient (a direct float sum stays within about 1e-7). A wrong
// transform coefficient, a tile shifted by a pixel or a lost edge is off by
// a good part of the magnitude itself.
constexpr double kTolerance = 2e-5;

void expect_near(const std::vector<float>& got, const Exact& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.value.size());
  double worst = 0;
  std::size_t at = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double ratio = std::abs(got[i] - want.value[i]) / (want.magnitude[i] + 1e-30);
    if (ratio > worst) {
      worst = ratio;
      at = i;
    }
  }
  EXPECT_LE(worst, kTolerance) << what << "[" << at << "]: " << got[at] << " against "
                               << want.value[at] << " (terms' magnitude " << want.magnitude[at]
                               << ")";
}

class WinogradAgainstDefinition : public ::testing::TestWithParam<WinogradShape> {};

TEST_P(WinogradAgainstDefinition, EveryPassWithinRoundingOfTheDoubleSum) {
  if (!cpu_runs_it()) GTEST_SKIP() << "this CPU has no AVX2 with FMA, which the kernels need";
  const Case c(GetParam());
  const auto& s = c.shape;
  const Results r = run(c);
  const std::size_t ci = s.in_channels, co = s.out_channels, k = s.kernel, h = s.height,
                    w = s.width, oh = s.out_height(), ow = s.out_width();
  Exact dst(r.dst.size()), diff_src(r.diff_src.size()), diff_weight(r.diff_weight.size()),
      diff_bias(r.diff_bias.size());
  for (std::size_t n = 0; n < s.batch; ++n) {
    for (std::size_t o = 0; o < co; ++o) {
      for (std::size_t y = 0; y < oh; ++y) {
        for (std::size_t x = 0; x < ow; ++x) {
          const std::size_t out = blocked(co, oh, ow, n, o, y, x);
          const double g = c.diff_dst[out];
          dst.add(out, c.bias[o]);
          diff_bias.add(o, g);
          for (std::size_t i = 0; i < ci; ++i) {
            for (std::size_t u = 0; u < k; ++u) {
              for (std::size_t v = 0; v < k; ++v) {
                const std::size_t in = blocked(ci, h, w, n, i, y + u, x + v);
                const std::size_t wi = ((o * ci + i) * k + u) * k + v;
                dst.add(out, static_cast<double>(c.src[in]) * c.weight[wi]);
                diff_src.add(in, g * c.weight[wi]);
                diff_weight.add(wi, g * c.src[in]);
              }
            }
          }
        }
      }
    }
  }
  expect_near(r.dst, dst, "output");
  expect_near(r.diff_src, diff_src, "input gradient");
  expect_near(r.diff_weight, diff_weight, "weight gradient");
  expect_near(r.diff_bias, diff_bias, "bias gradient");
}

// batch, in, out, height, width, kernel: the cnn model's second layer, each
// kernel size on images with partial tiles (13 x 11 leaves 9 x 7 outputs
// for k = 5, neither a multiple of 4).
INSTANTIATE_TEST_SUITE_P(
    Shapes, WinogradAgainstDefinition,
    ::testing::Values(WinogradShape{2, 32, 64, 12, 12, 5}, WinogradShape{3, 16, 8, 13, 11, 3},
                      WinogradShape{3, 8, 24, 13, 11, 4}, WinogradShape{3, 16, 8, 13, 11, 5},
                      WinogradShape{2, 8, 16, 13, 11, 6}, WinogradShape{2, 16, 8, 9, 10, 7}),
    [](const auto& test) {
      const auto& s = test.param;
      // Appended piece by piece: GCC 12 warns (-Wrestrict) about "x" + string.
      std::string name = "k";
      name += std::to_string(s.kernel);
      name += '_';
      name += std::to_string(s.height);
      name += 'x';
      name += std::to_string(s.width);
      return name;
    });

TEST(Winograd, SameBitsOnThreeThreadsAsOnOne) {
  if (!cpu_runs_it()) GTEST_SKIP() << "this CPU has no AVX2 with FMA, which the kernels need";
  const Case c(WinogradShape{5, 32, 64, 12, 12, 5});
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const Results one = run(c);
  omp_set_num_threads(3);
  const Results three = run(c);
  omp_set_num_threads(before);
  using optbench::testing::expect_same_bits;
  expect_same_bits(one.dst, three.dst, "output");
  expect_same_bits(one.diff_src, three.diff_src, "input gradient");
  expect_same_bits(one.diff_weight, three.diff_weight, "weight gradient");
  expect_same_bits(one.diff_bias, three.diff_bias, "bias gradient");
}

TEST(Winograd, ServesKernelsOfThreeToSevenOnWholeChannelVectors) {
  const WinogradShape cnn{64, 32, 64, 12, 12, 5};
  if (!nn::winograd_suits(cnn)) {
    GTEST_SKIP() << "oneDNN's widest kernels here are not AVX2 (or the CPU lacks FMA): the "
                    "convolutions stay on oneDNN's";
  }
  EXPECT_FALSE(nn::winograd_suits({64, 1, 32, 28, 28, 5})) << "one input channel";
  EXPECT_FALSE(nn::winograd_suits({64, 32, 60, 12, 12, 5})) << "60 output channels";
  EXPECT_FALSE(nn::winograd_suits({64, 32, 64, 12, 12, 8})) << "8 x 8 kernel";
  EXPECT_FALSE(nn::winograd_suits({64, 32, 64, 12, 12, 2})) << "2 x 2 kernel";
  EXPECT_TRUE(nn::winograd_suits({64, 32, 64, 12, 12, 3}));
}

}  // namespace
