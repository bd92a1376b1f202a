// The dense layer's input gradient dY W takes one of two paths: oneDNN's
// inner product, or, when the weight's rows are a multiple of 2 KB apart, a
// matmul on a copy of the weight with each row padded by a cache line (the
// aligned rows thrash the L1 cache inside oneDNN's GEMM). The padded path
// must give exactly the inner product's bits, for plain and image-shaped
// inputs and on either side of the 2 KB rule, so that a model's history
// does not depend on its width's path.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "dnnl_helpers.hpp"
#include "layers.hpp"

namespace nn {
namespace {

constexpr memory::dim kBatch = 64, kOut = 37;

std::vector<float> wave(std::size_t n, double f, double phase) {
  std::vector<float> v(n);
  for (std::size_t j = 0; j < n; ++j)
    v[j] = static_cast<float>(std::sin(f * static_cast<double>(j) + phase));
  return v;
}

struct Engine {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};

/// The layer's input gradient for upstream gradient `dy`, in plain order.
std::vector<float> layer_input_gradient(Engine& e, const Dims& sample,
                                        const std::vector<float>& weight,
                                        const std::vector<float>& dy) {
  auto layer = make_dense(sample, kOut, "fc");
  auto* w = layer->parameters().at(0);
  EXPECT_EQ(w->value.size(), weight.size());
  std::copy(weight.begin(), weight.end(), w->value.begin());
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const BindContext ctx{e.engine, attr, kBatch, true, true};
  const auto dims = with_batch(kBatch, sample);
  const memory src(plain_desc(dims), e.engine), diff_src(plain_desc(dims), e.engine);
  const auto x = wave(static_cast<std::size_t>(product(dims)), 0.37, 0.1);
  std::copy(x.begin(), x.end(), static_cast<float*>(src.get_data_handle()));
  Step step = layer->bind(ctx, src, &diff_src);
  for (auto& op : step.forward)
    op.run(e.stream);
  std::copy(dy.begin(), dy.end(), static_cast<float*>(step.diff_dst.get_data_handle()));
  for (auto& op : step.backward)
    op.run(e.stream);
  e.stream.wait();
  const auto* p = static_cast<const float*>(diff_src.get_data_handle());
  return {p, p + product(dims)};
}

/// oneDNN's inner product backward on the same (out, in) weight.
std::vector<float> inner_product_input_gradient(Engine& e, memory::dim in,
                                                std::vector<float> weight, std::vector<float> dy) {
  const auto src_md = plain_desc({kBatch, in}), w_md = plain_desc({kOut, in}),
             dst_md = plain_desc({kBatch, kOut});
  const dnnl::inner_product_forward::primitive_desc hint(
      {prop_kind::forward_training, src_md, w_md, plain_desc({kOut}), dst_md}, e.engine);
  const dnnl::inner_product_backward_data::primitive_desc pd({src_md, w_md, dst_md}, e.engine,
                                                             hint);
  std::vector<float> dx(static_cast<std::size_t>(kBatch * in));
  dnnl::inner_product_backward_data(pd).execute(
      e.stream, {{DNNL_ARG_DIFF_DST, memory(dst_md, e.engine, dy.data())},
                 {DNNL_ARG_WEIGHTS, memory(w_md, e.engine, weight.data())},
                 {DNNL_ARG_DIFF_SRC, memory(src_md, e.engine, dx.data())}});
  e.stream.wait();
  return dx;
}

class DenseInputGradient : public ::testing::TestWithParam<Dims> {};

TEST_P(DenseInputGradient, HasTheInnerProductsBits) {
  Engine e;
  const Dims& sample = GetParam();
  const auto in = product(sample);
  const auto weight = wave(static_cast<std::size_t>(kOut * in), 0.113, 0.7);
  const auto dy = wave(static_cast<std::size_t>(kBatch * kOut), 0.29, 0.3);
  const auto got = layer_input_gradient(e, sample, weight, dy);
  const auto want = inner_product_input_gradient(e, in, weight, dy);
  ASSERT_EQ(got.size(), want.size());
  std::size_t differing = 0, first = got.size();
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (std::memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      if (differing++ == 0) first = i;
    }
  }
  EXPECT_EQ(differing, 0u) << "first at " << first << ": " << got[first] << " against "
                           << want[first];
  // Not a zero gradient agreeing with itself.
  EXPECT_GT(std::abs(want[1]), 1e-3f);
}

// 512, 1024 and 2048 features and the cnn model's (64, 4, 4) image take the
// padded path; 784 and 1000 the inner product.
INSTANTIATE_TEST_SUITE_P(Widths, DenseInputGradient,
                         ::testing::Values(Dims{512}, Dims{1024}, Dims{2048}, Dims{64, 4, 4},
                                           Dims{784}, Dims{1000}),
                         [](const auto& test) {
                           std::string name = "in";
                           for (auto d : test.param) {
                             name += '_';
                             name += std::to_string(d);
                           }
                           return name;
                         });

}  // namespace
}  // namespace nn