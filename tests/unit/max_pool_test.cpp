// The nn plugins' max pooling kernels (plugins/models/nn/max_pool.hpp)
// against a direct reading of torch.nn.MaxPool2d's rule: in each window the
// first maximum in row-major order wins and a NaN beats any number; the
// gradient goes to the winner only. Every layout the kernels accept is
// checked element by element, exactly, on shapes with odd leftovers and a
// channel count that leaves padding in the 8-channel blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "channel_sum.hpp"
#include "max_pool.hpp"
#include "optbench/random.hpp"

namespace nn {
namespace {

struct Tensor {
  PoolLayout layout;
  std::vector<float> data;
};

/// `values` (n, c, h, w) in row-major nchw order, stored in `format`.
Tensor store(PoolFormat format, const std::vector<float>& values, std::size_t n, std::size_t c,
             std::size_t h, std::size_t w) {
  Tensor t{pool_layout(format, c, h, w), {}};
  t.data.assign(t.layout.size(n), 0.0f);
  for (std::size_t a = 0; a < n; ++a)
    for (std::size_t b = 0; b < c; ++b)
      for (std::size_t y = 0; y < h; ++y)
        for (std::size_t x = 0; x < w; ++x)
          t.data[t.layout.offset(a, b, y, x)] = values[((a * c + b) * h + y) * w + x];
  return t;
}

struct Reference {
  std::vector<float> dst, diff_src;
};

/// The rule, written out: windows of k x k at stride k, floor.
Reference pool_by_definition(const PoolShape& s, const std::vector<float>& src,
                             const std::vector<float>& diff_dst) {
  const std::size_t oh = s.out_height(), ow = s.out_width();
  Reference r;
  r.dst.assign(s.batch * s.channels * oh * ow, 0.0f);
  r.diff_src.assign(src.size(), 0.0f);
  for (std::size_t n = 0; n < s.batch; ++n) {
    for (std::size_t c = 0; c < s.channels; ++c) {
      for (std::size_t y = 0; y < oh; ++y) {
        for (std::size_t x = 0; x < ow; ++x) {
          float best = -std::numeric_limits<float>::infinity();
          std::size_t at =
              ((n * s.channels + c) * s.height + y * s.kernel) * s.width + x * s.kernel;
          for (std::size_t i = 0; i < s.kernel; ++i) {
            for (std::size_t j = 0; j < s.kernel; ++j) {
              const std::size_t here =
                  ((n * s.channels + c) * s.height + y * s.kernel + i) * s.width + x * s.kernel + j;
              if (src[here] > best || std::isnan(src[here])) {
                best = src[here];
                at = here;
              }
            }
          }
          const std::size_t out = ((n * s.channels + c) * oh + y) * ow + x;
          r.dst[out] = best;
          r.diff_src[at] = diff_dst[out];
          // A fused ReLU: oneDNN's max(x, 0) (NaN gives 0) and its backward,
          // the gradient times 0 where the input was not above 0.
          if (s.relu && !(best > 0.0f)) {
            r.dst[out] = 0.0f;
            r.diff_src[at] = diff_dst[out] * 0.0f;
          }
        }
      }
    }
  }
  return r;
}

bool same(float a, float b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

struct LayoutCase {
  PoolFormat src, diff_src;  ///< dst and diff_dst share src's layout
  const char* name;
};

class MaxPoolKernels : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(MaxPoolKernels, MatchTheDefinitionExactly) {
  const auto& lc = GetParam();
  // 7x9 leaves a last row and two last columns outside every 2x2 window; 3x3
  // windows leave one row; 12 channels leave 4 padded lanes per 8-block.
  for (const PoolShape shape : {PoolShape{3, 12, 7, 9, 2}, PoolShape{2, 12, 10, 10, 3},
                                PoolShape{2, 16, 8, 8, 2}, PoolShape{1, 3, 5, 5, 2}})
    for (const bool relu : {false, true}) {
      PoolShape s = shape;
      s.relu = relu;
      SCOPED_TRACE(::testing::Message() << s.channels << "x" << s.height << "x" << s.width
                                        << " k=" << s.kernel << (relu ? " with ReLU" : ""));
      const std::size_t oh = s.out_height(), ow = s.out_width();
      optbench::Rng rng(5);
      std::vector<float> src(s.batch * s.channels * s.height * s.width);
      // Coarse values so that ties are common; a few NaNs and -inf.
      for (auto& v : src)
        v = static_cast<float>(rng.below(5)) - 2.0f;
      for (std::size_t i = 0; i < src.size(); i += 37)
        src[i] = std::numeric_limits<float>::quiet_NaN();
      for (std::size_t i = 11; i < src.size(); i += 53)
        src[i] = -std::numeric_limits<float>::infinity();
      std::vector<float> diff_dst(s.batch * s.channels * oh * ow);
      // Distinct, so that a misroute shows, and inexact in float, so that
      // channel sums added in another order show too.
      for (std::size_t i = 0; i < diff_dst.size(); ++i)
        diff_dst[i] = 1.0f + 0.37f * static_cast<float>(i);
      const auto want = pool_by_definition(s, src, diff_dst);

      const Tensor in = store(lc.src, src, s.batch, s.channels, s.height, s.width);
      Tensor out{pool_layout(lc.src, s.channels, oh, ow), {}};
      out.data.assign(out.layout.size(s.batch), 0.0f);
      std::vector<std::uint8_t> winner(out.data.size());
      max_pool_forward(s, in.data.data(), in.layout, out.data.data(), out.layout, winner.data());

      const Tensor g = store(lc.src, diff_dst, s.batch, s.channels, oh, ow);
      Tensor back{pool_layout(lc.diff_src, s.channels, s.height, s.width), {}};
      back.data.assign(back.layout.size(s.batch), 7.0f);  // stale values must be overwritten
      max_pool_backward(s, g.data.data(), out.layout, winner.data(), back.data.data(), back.layout);

      for (std::size_t n = 0; n < s.batch; ++n) {
        for (std::size_t c = 0; c < s.channels; ++c) {
          for (std::size_t y = 0; y < oh; ++y) {
            for (std::size_t x = 0; x < ow; ++x) {
              const float got = out.data[out.layout.offset(n, c, y, x)];
              const float expected = want.dst[((n * s.channels + c) * oh + y) * ow + x];
              ASSERT_TRUE(same(got, expected)) << "dst(" << n << "," << c << "," << y << "," << x
                                               << ") = " << got << ", want " << expected;
            }
          }
          for (std::size_t y = 0; y < s.height; ++y) {
            for (std::size_t x = 0; x < s.width; ++x) {
              const float got = back.data[back.layout.offset(n, c, y, x)];
              const float expected =
                  want.diff_src[((n * s.channels + c) * s.height + y) * s.width + x];
              ASSERT_EQ(got, expected)
                  << "diff_src(" << n << "," << c << "," << y << "," << x << ")";
            }
          }
        }
      }

      // Into a channels-last gradient, pooling can also leave each image's
      // channel sums (a convolution's bias gradient): the same gradient, and
      // the same bits as ChannelSum summing it afterwards.
      if (back.layout.lanes == s.channels) {
        std::vector<float> again(back.data.size(), 7.0f);
        ChannelSum fused(s.batch, s.height * s.width, s.channels), after = fused;
        max_pool_backward(s, g.data.data(), out.layout, winner.data(), again.data(), back.layout,
                          fused.image_sums(0));
        ASSERT_EQ(again, back.data);
        std::vector<float> want_sums(s.channels), got_sums(s.channels);
        after.run(back.data.data(), want_sums.data());
        fused.total(got_sums.data());
        ASSERT_EQ(0,
                  std::memcmp(got_sums.data(), want_sums.data(), got_sums.size() * sizeof(float)));
      }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, MaxPoolKernels,
    ::testing::Values(LayoutCase{PoolFormat::nchw, PoolFormat::nchw, "nchw"},
                      LayoutCase{PoolFormat::nhwc, PoolFormat::nhwc, "nhwc"},
                      LayoutCase{PoolFormat::nChw8c, PoolFormat::nChw8c, "nChw8c"},
                      // The seed CNN's first pooling: blocked activations, its
                      // gradient written channels-last for conv1's kernel.
                      LayoutCase{PoolFormat::nChw8c, PoolFormat::nhwc, "nChw8c_to_nhwc"},
                      LayoutCase{PoolFormat::nChw8c, PoolFormat::nchw, "nChw8c_to_nchw"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(MaxPoolKernels, RefuseLayoutsThatSplitAChannelBlock) {
  const PoolShape s{1, 16, 4, 4, 2};
  const auto dst = pool_layout(PoolFormat::nhwc, 16, 2, 2);
  const auto src = pool_layout(PoolFormat::nChw8c, 16, 4, 4);
  std::vector<float> g(dst.size(1)), out(src.size(1));
  std::vector<std::uint8_t> winner(g.size());
  try {
    max_pool_backward(s, g.data(), dst, winner.data(), out.data(), src);
    FAIL() << "an nhwc gradient routed into nChw8c blocks was accepted";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "nn: max pooling between incompatible channel blockings");
  }
}

}  // namespace
}  // namespace nn
