// The tanh kernel of the tanh layer (plugins/models/nn/tanh.cpp) against
// double precision: on about 11 million floats spread over [0, 10], every
// result within 2 units in the last place of the correctly rounded value,
// odd to the bit, and the special values (signed zeros, infinities, NaN,
// values far beyond where tanh rounds to 1) as IEEE arithmetic has them; the
// baseline copy gives the AVX2 copy's bits.
#include "tanh.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

namespace nn {
namespace {

std::uint32_t bits(float f) {
  std::uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

float from_bits(std::uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

TEST(Tanh, WithinTwoUlpOfDoublePrecisionFromZeroToTen) {
  std::vector<float> x;
  for (std::uint32_t b = 1; b <= bits(10.0f); b += 97)
    x.push_back(from_bits(b));
  std::vector<float> y(x.size());
  tanh_forward(x.data(), y.data(), x.size());
  std::uint32_t worst = 0;
  float worst_x = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const auto want = static_cast<float>(std::tanh(static_cast<double>(x[i])));
    const std::uint32_t a = bits(y[i]), b = bits(want);
    const std::uint32_t ulps = a > b ? a - b : b - a;
    if (ulps > worst) {
      worst = ulps;
      worst_x = x[i];
    }
  }
  EXPECT_LE(worst, 2u) << "at x = " << worst_x;
  // Not vacuous: the sample reaches both branches and the saturation.
  EXPECT_LT(x.front(), 1e-30f);
  EXPECT_GE(x.back(), 9.99f);
}

TEST(Tanh, TheBaselineAndAvx2CopiesGiveTheSameBits) {
  // Neither copy contracts into fused multiply-adds, so a CPU without AVX2
  // computes what this one does.
  std::vector<float> x;
  for (std::uint32_t b = 0; b <= bits(12.0f); b += 4099)
    x.push_back(from_bits(b));
  std::vector<float> y(x.size()), base(x.size());
  tanh_forward(x.data(), y.data(), x.size());
  tanh_forward_baseline(x.data(), base.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(bits(base[i]), bits(y[i])) << "x = " << x[i];
}

TEST(Tanh, IsOddToTheBit) {
  std::vector<float> x;
  for (std::uint32_t b = 0; b <= bits(12.0f); b += 1009)
    x.push_back(from_bits(b));
  std::vector<float> negated(x.size()), y(x.size()), y_neg(x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    negated[i] = -x[i];
  tanh_forward(x.data(), y.data(), x.size());
  tanh_forward(negated.data(), y_neg.data(), x.size());
  for (std::size_t i = 0; i < x.size(); ++i)
    ASSERT_EQ(bits(y_neg[i]), bits(-y[i])) << "x = " << x[i];
}

TEST(Tanh, SpecialValuesAndTheTailOfAShortBuffer) {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {0.0f, -0.0f, inf, -inf, std::nanf(""), 1e30f, -3e38f, 9.0f, 20.0f};
  // Nine values: the last ones take the partial-vector path.
  std::vector<float> y(x.size());
  tanh_forward(x.data(), y.data(), x.size());
  EXPECT_EQ(bits(y[0]), bits(0.0f));
  EXPECT_EQ(bits(y[1]), bits(-0.0f));
  EXPECT_EQ(y[2], 1.0f);
  EXPECT_EQ(y[3], -1.0f);
  EXPECT_TRUE(std::isnan(y[4]));
  EXPECT_EQ(y[5], 1.0f);
  EXPECT_EQ(y[6], -1.0f);
  EXPECT_GE(y[7], 0.99999994f);  // tanh(9) = 1 - 3.0e-8, one float below 1 or 1
  EXPECT_EQ(y[8], 1.0f);
}

TEST(Tanh, InPlace) {
  std::vector<float> x = {0.25f, -0.75f, 3.0f};
  tanh_forward(x.data(), x.data(), x.size());
  EXPECT_NEAR(x[0], std::tanh(0.25), 1e-7);
  EXPECT_NEAR(x[1], std::tanh(-0.75), 1e-7);
  EXPECT_NEAR(x[2], std::tanh(3.0), 1e-7);
}

}  // namespace
}  // namespace nn
