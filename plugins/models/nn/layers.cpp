#include "layers.hpp"

#include "max_pool.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

namespace nn {
namespace {

using dnnl::algorithm;
using dnnl::prop_kind;
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

memory::dim product(const Dims& d) {
  memory::dim n = 1;
  for (auto x : d)
    n *= x;
  return n;
}

/// Dense row-major layout for any rank (a, ab, abc, abcd).
tag plain(std::size_t rank) {
  switch (rank) {
    case 1:
      return tag::a;
    case 2:
      return tag::ab;
    case 3:
      return tag::abc;
    case 4:
      return tag::abcd;
    case 5:
      return tag::abcde;
  }
  throw std::invalid_argument("nn: tensors of rank " + std::to_string(rank) + " are not supported");
}

Dims with_batch(memory::dim n, const Dims& shape) {
  Dims d{n};
  d.insert(d.end(), shape.begin(), shape.end());
  return d;
}

memory::desc plain_desc(const Dims& dims) {
  return memory::desc(dims, f32, plain(dims.size()));
}

/// The scratchpad is user-managed so that no execute call allocates one.
template <class Primitive, class PrimitiveDesc>
Op make_op(const PrimitiveDesc& pd, const dnnl::engine& engine,
           std::unordered_map<int, memory> args) {
  if (pd.scratchpad_desc().get_size() > 0) {
    args[DNNL_ARG_SCRATCHPAD] = memory(pd.scratchpad_desc(), engine);
  }
  return Op{Primitive(pd), std::move(args)};
}

Op make_reorder(const BindContext& ctx, const memory& from, const memory& to) {
  const dnnl::reorder::primitive_desc pd(ctx.engine, from.get_desc(), ctx.engine, to.get_desc(),
                                         ctx.attr);
  return make_op<dnnl::reorder>(pd, ctx.engine, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

std::unique_ptr<Parameter> make_parameter(std::string name, Dims dims, memory::dim fan_in) {
  auto p = std::make_unique<Parameter>();
  p->name = std::move(name);
  p->dims = std::move(dims);
  p->fan_in = fan_in;
  const auto n = static_cast<std::size_t>(product(p->dims));
  p->value.assign(n, 0.0f);
  p->grad.assign(n, 0.0f);
  return p;
}

prop_kind forward_kind(const BindContext& ctx) {
  return ctx.training ? prop_kind::forward_training : prop_kind::forward_inference;
}

// Inner product over a whole sample: a 4-D input is flattened in (C, H, W)
// order, as torch.flatten does, because the weight is laid out oihw.
class Dense final : public Layer {
 public:
  Dense(const Dims& in, memory::dim out, const std::string& name)
      : out_shape_{out},
        weight_(make_parameter(name + ".weight", with_batch(out, in), product(in))),
        bias_(make_parameter(name + ".bias", {out}, product(in))) {}

  const Dims& output_shape() const override { return out_shape_; }
  std::vector<Parameter*> parameters() override { return {weight_.get(), bias_.get()}; }

  Step bind(const BindContext& ctx, const memory& given_src,
            const memory* given_diff_src) override {
    const Dims in(weight_->dims.begin() + 1, weight_->dims.end());
    const auto src_md = plain_desc(with_batch(ctx.batch, in));
    Step step;
    // A blocked input (from a convolution) is reordered to the plain layout
    // the oihw weight matches, and its gradient back.
    memory src = given_src;
    memory diff_src_plain;
    const memory* diff_src = given_diff_src;
    if (given_src.get_desc() != src_md) {
      src = memory(src_md, ctx.engine);
      step.forward.push_back(make_reorder(ctx, given_src, src));
      if (given_diff_src) {
        diff_src_plain = memory(src_md, ctx.engine);
        diff_src = &diff_src_plain;
      }
    }
    const auto w_md = plain_desc(weight_->dims);
    const auto b_md = plain_desc(bias_->dims);
    const auto dst_md = plain_desc(with_batch(ctx.batch, out_shape_));
    const dnnl::inner_product_forward::primitive_desc fwd(
        {forward_kind(ctx), src_md, w_md, b_md, dst_md}, ctx.attr, ctx.engine);
    const memory w(w_md, ctx.engine, weight_->value.data());
    const memory b(b_md, ctx.engine, bias_->value.data());
    step.dst = memory(dst_md, ctx.engine);
    step.forward.push_back(make_op<dnnl::inner_product_forward>(fwd, ctx.engine,
                                                                {{DNNL_ARG_SRC, src},
                                                                 {DNNL_ARG_WEIGHTS, w},
                                                                 {DNNL_ARG_BIAS, b},
                                                                 {DNNL_ARG_DST, step.dst}}));
    if (!ctx.training) return step;

    step.diff_dst = memory(dst_md, ctx.engine);
    if (diff_src) {
      const dnnl::inner_product_backward_data::primitive_desc bwd(
          {diff_src->get_desc(), w_md, dst_md}, ctx.attr, ctx.engine, fwd);
      step.backward.push_back(
          make_op<dnnl::inner_product_backward_data>(bwd, ctx.engine,
                                                     {{DNNL_ARG_DIFF_DST, step.diff_dst},
                                                      {DNNL_ARG_WEIGHTS, w},
                                                      {DNNL_ARG_DIFF_SRC, *diff_src}}));
      if (diff_src != given_diff_src) {
        step.backward.push_back(make_reorder(ctx, *diff_src, *given_diff_src));
      }
    }
    const dnnl::inner_product_backward_weights::primitive_desc bww({src_md, w_md, b_md, dst_md},
                                                                   ctx.attr, ctx.engine, fwd);
    step.backward.push_back(make_op<dnnl::inner_product_backward_weights>(
        bww, ctx.engine,
        {{DNNL_ARG_SRC, src},
         {DNNL_ARG_DIFF_DST, step.diff_dst},
         {DNNL_ARG_DIFF_WEIGHTS, memory(w_md, ctx.engine, weight_->grad.data())},
         {DNNL_ARG_DIFF_BIAS, memory(b_md, ctx.engine, bias_->grad.data())}}));
    return step;
  }

 private:
  Dims out_shape_;
  std::unique_ptr<Parameter> weight_, bias_;
};

/// Per-channel sums of a channels-last (n, h, w, c) tensor, for a bias
/// gradient: each image in float (the inner loop runs along channels, so it
/// vectorizes), the images added in double; images split between threads.
class ChannelSum {
 public:
  ChannelSum(std::size_t images, std::size_t positions, std::size_t channels)
      : images_(images), positions_(positions), channels_(channels), partial_(images * channels) {}

  void run(const float* from, float* to) {
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < images_; ++n) {
      float* acc = partial_.data() + n * channels_;
      std::fill(acc, acc + channels_, 0.0f);
      const float* image = from + n * positions_ * channels_;
      for (std::size_t p = 0; p < positions_; ++p) {
        const float* row = image + p * channels_;
        for (std::size_t c = 0; c < channels_; ++c)
          acc[c] += row[c];
      }
    }
    for (std::size_t c = 0; c < channels_; ++c) {
      double total = 0.0;
      for (std::size_t n = 0; n < images_; ++n)
        total += partial_[n * channels_ + c];
      to[c] = static_cast<float>(total);
    }
  }

 private:
  std::size_t images_, positions_, channels_;
  std::vector<float> partial_;
};

// Square kernel, stride 1, no padding. The weight format is left to oneDNN
// (format_tag::any); when it picks a blocked one, the plain oihw parameter is
// reordered into it before forward and the gradient back after backward.
class Conv2d final : public Layer {
 public:
  Conv2d(const Dims& in, memory::dim out, memory::dim k, const std::string& name)
      : weight_(make_parameter(name + ".weight", {out, in.at(0), k, k}, in.at(0) * k * k)),
        bias_(make_parameter(name + ".bias", {out}, in.at(0) * k * k)) {
    if (in.size() != 3 || in[1] < k || in[2] < k) {
      throw std::invalid_argument("nn: " + name + " needs a (C, H, W) input of at least " +
                                  std::to_string(k) + "x" + std::to_string(k));
    }
    out_shape_ = {out, in[1] - k + 1, in[2] - k + 1};
  }

  const Dims& output_shape() const override { return out_shape_; }
  std::vector<Parameter*> parameters() override { return {weight_.get(), bias_.get()}; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const Dims strides{1, 1}, pad{0, 0};
    const auto src_md = src.get_desc();
    const auto user_w_md = plain_desc(weight_->dims);
    const memory::desc any_w_md(weight_->dims, f32, tag::any);
    const auto b_md = plain_desc(bias_->dims);
    // Activations stay in whatever blocked layout the convolution prefers;
    // pooling and ReLU follow it, and the first dense layer reorders back.
    const memory::desc dst_any(with_batch(ctx.batch, out_shape_), f32, tag::any);
    const dnnl::convolution_forward::primitive_desc fwd(
        {forward_kind(ctx), algorithm::convolution_direct, src_md, any_w_md, b_md, dst_any, strides,
         pad, pad},
        ctx.attr, ctx.engine);
    const auto dst_md = fwd.dst_desc();
    const memory user_w(user_w_md, ctx.engine, weight_->value.data());
    const memory b(b_md, ctx.engine, bias_->value.data());
    Step step;
    memory w = user_w;
    if (fwd.weights_desc() != user_w_md) {
      w = memory(fwd.weights_desc(), ctx.engine);
      step.forward.push_back(make_reorder(ctx, user_w, w));
    }
    step.dst = memory(dst_md, ctx.engine);
    step.forward.push_back(make_op<dnnl::convolution_forward>(fwd, ctx.engine,
                                                              {{DNNL_ARG_SRC, src},
                                                               {DNNL_ARG_WEIGHTS, w},
                                                               {DNNL_ARG_BIAS, b},
                                                               {DNNL_ARG_DST, step.dst}}));
    if (!ctx.training) return step;

    // Not the forward's layouts: with (plain 1-channel input, blocked
    // gradient) oneDNN 2.6 only has its reference kernel, ~1000x slower than
    // reordering into a jit kernel's layouts. With fewer input channels than
    // a channel block (8 floats), its blocked choice pads them to 8 and runs
    // at ~3 GFLOP/s; channels-last runs the same jit:avx2 kernel ~5x faster
    // here (conv1 of the seed CNN: 19 -> 3.5 ms per batch of 64).
    const bool channels_last = src_md.dims()[1] < 8;
    const tag bw_tag = channels_last ? tag::nhwc : tag::any;
    const memory::desc src_any(src_md.dims(), f32, bw_tag);
    const memory::desc dst_any_bw(dst_md.dims(), f32, bw_tag);
    // That channels-last kernel sums the bias gradient in a scalar loop
    // outside its jit code: 0.75 of its 2.0 ms for conv1 of the seed CNN. It
    // is given no bias there, and a ChannelSum adds it up instead.
    const auto bww_desc =
        channels_last
            ? dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, src_any,
                                                       any_w_md, dst_any_bw, strides, pad, pad)
            : dnnl::convolution_backward_weights::desc(algorithm::convolution_direct, src_any,
                                                       any_w_md, b_md, dst_any_bw, strides, pad,
                                                       pad);
    const dnnl::convolution_backward_weights::primitive_desc bww(bww_desc, ctx.attr, ctx.engine,
                                                                 fwd);
    // With no input gradient to compute (the first layer), nothing but the
    // weight gradient reads this layer's output gradient: the next layer
    // writes it straight into the layout that kernel wants (for the seed CNN
    // that saves a 0.64 ms reorder per step).
    const bool only_weights_read_it = diff_src == nullptr;
    step.diff_dst = memory(only_weights_read_it ? bww.diff_dst_desc() : dst_md, ctx.engine);
    if (diff_src) {
      const dnnl::convolution_backward_data::primitive_desc bwd(
          {algorithm::convolution_direct, diff_src->get_desc(), any_w_md, dst_md, strides, pad,
           pad},
          ctx.attr, ctx.engine, fwd);
      // The forward's copy is current during backward: weights only change
      // between steps.
      memory wd = w;
      if (bwd.weights_desc() == user_w_md) {
        wd = user_w;
      } else if (bwd.weights_desc() != w.get_desc()) {
        wd = memory(bwd.weights_desc(), ctx.engine);
        step.backward.push_back(make_reorder(ctx, user_w, wd));
      }
      step.backward.push_back(
          make_op<dnnl::convolution_backward_data>(bwd, ctx.engine,
                                                   {{DNNL_ARG_DIFF_DST, step.diff_dst},
                                                    {DNNL_ARG_WEIGHTS, wd},
                                                    {DNNL_ARG_DIFF_SRC, *diff_src}}));
    }
    memory bw_src = src, bw_diff_dst = step.diff_dst;
    if (bww.src_desc() != src_md) {
      // With one channel, nchw and nhwc are the same bytes.
      bw_src = src_md.dims()[1] == 1 && bww.src_desc().get_size() == src_md.get_size()
                   ? memory(bww.src_desc(), ctx.engine, src.get_data_handle())
                   : memory(bww.src_desc(), ctx.engine);
      if (bw_src.get_data_handle() != src.get_data_handle()) {
        step.backward.push_back(make_reorder(ctx, src, bw_src));
      }
    }
    if (bww.diff_dst_desc() != step.diff_dst.get_desc()) {
      bw_diff_dst = memory(bww.diff_dst_desc(), ctx.engine);
      step.backward.push_back(make_reorder(ctx, step.diff_dst, bw_diff_dst));
    }
    const memory user_gw(user_w_md, ctx.engine, weight_->grad.data());
    memory gw = user_gw;
    if (bww.diff_weights_desc() != user_w_md) gw = memory(bww.diff_weights_desc(), ctx.engine);
    std::unordered_map<int, memory> bww_args{
        {DNNL_ARG_SRC, bw_src}, {DNNL_ARG_DIFF_DST, bw_diff_dst}, {DNNL_ARG_DIFF_WEIGHTS, gw}};
    if (!channels_last) {
      bww_args[DNNL_ARG_DIFF_BIAS] = memory(b_md, ctx.engine, bias_->grad.data());
    }
    step.backward.push_back(
        make_op<dnnl::convolution_backward_weights>(bww, ctx.engine, std::move(bww_args)));
    if (gw != user_gw) step.backward.push_back(make_reorder(ctx, gw, user_gw));
    if (channels_last) {
      const auto d = dst_md.dims();
      const auto u = [](memory::dim x) { return static_cast<std::size_t>(x); };
      Op bias_grad;
      bias_grad.kernel = [sum = std::make_shared<ChannelSum>(u(d[0]), u(d[2] * d[3]), u(d[1])),
                          from = static_cast<const float*>(bw_diff_dst.get_data_handle()),
                          to = bias_->grad.data()] { sum->run(from, to); };
      step.backward.push_back(std::move(bias_grad));
    }
    return step;
  }

 private:
  Dims out_shape_;
  std::unique_ptr<Parameter> weight_, bias_;
};

/// A desc for `dims` in the format of `like`: its channel block, or for a
/// plain layout its order of dimensions.
memory::desc same_format(const memory::desc& like, const Dims& dims) {
  const auto& b = like.data.format_desc.blocking;
  if (b.inner_nblks == 1) {
    switch (b.inner_blks[0]) {
      case 4:
        return {dims, f32, tag::aBcd4b};
      case 8:
        return {dims, f32, tag::aBcd8b};
      case 16:
        return {dims, f32, tag::aBcd16b};
    }
    throw std::logic_error("nn: unsupported channel block of " + std::to_string(b.inner_blks[0]));
  }
  std::vector<int> order(dims.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return b.strides[x] > b.strides[y]; });
  Dims strides(dims.size());
  memory::dim stride = 1;
  for (auto i = order.rbegin(); i != order.rend(); ++i) {
    strides[static_cast<std::size_t>(*i)] = stride;
    stride *= dims[static_cast<std::size_t>(*i)];
  }
  return {dims, f32, strides};
}

/// How pooling's kernels address a 4-D memory: one level of channel
/// blocking (nChw8c, nChw16c) or a plain layout with any dimension order.
PoolLayout pool_layout_of(const memory::desc& md) {
  const auto& d = md.data;
  const auto& b = d.format_desc.blocking;
  if (d.ndims != 4 || d.format_kind != dnnl_blocked || b.inner_nblks > 1 ||
      (b.inner_nblks == 1 && b.inner_idxs[0] != 1)) {
    throw std::logic_error("nn: max pooling needs a 4-D plain or channel-blocked layout");
  }
  const auto at = [&](int i) { return static_cast<std::size_t>(b.strides[i]); };
  PoolLayout l{
      .lanes = 1, .n_stride = at(0), .block_stride = at(1), .h_stride = at(2), .w_stride = at(3)};
  if (b.inner_nblks == 1) {
    l.lanes = static_cast<std::size_t>(b.inner_blks[0]);
  } else if (at(1) == 1) {
    l.lanes = static_cast<std::size_t>(d.dims[1]);  // channels last: one block of all
  }
  return l;
}

// Non-overlapping max pooling (stride = kernel, floor), as nn.MaxPool2d(k),
// on max_pool.hpp's kernels. The output keeps the input's layout; the
// gradient is written in whatever layout the layer before reads it.
class MaxPool2d final : public Layer {
 public:
  MaxPool2d(const Dims& in, memory::dim k) : kernel_(k) {
    if (in.size() != 3 || in[1] < k || in[2] < k) {
      throw std::invalid_argument("nn: max pooling needs a (C, H, W) input of at least " +
                                  std::to_string(k) + "x" + std::to_string(k));
    }
    if (k > 15) throw std::invalid_argument("nn: max pooling windows are at most 15x15");
    out_shape_ = {in[0], in[1] / k, in[2] / k};
  }

  const Dims& output_shape() const override { return out_shape_; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto src_md = src.get_desc();
    const auto in = src_md.dims();
    const auto u = [](memory::dim x) { return static_cast<std::size_t>(x); };
    const PoolShape shape{u(in[0]), u(in[1]), u(in[2]), u(in[3]), u(kernel_)};
    const PoolLayout src_layout = pool_layout_of(src_md);
    const memory::desc dst_md = same_format(src_md, with_batch(in[0], out_shape_));
    const PoolLayout dst_layout = pool_layout_of(dst_md);

    Step step;
    step.dst = memory(dst_md, ctx.engine);
    auto winner = std::make_shared<std::vector<std::uint8_t>>(dst_md.get_size() / sizeof(float));
    const auto* from = static_cast<const float*>(src.get_data_handle());
    auto* to = static_cast<float*>(step.dst.get_data_handle());
    Op forward;
    forward.kernel = [=] {
      max_pool_forward(shape, from, src_layout, to, dst_layout, winner->data());
    };
    step.forward.push_back(std::move(forward));
    if (!ctx.training) return step;

    step.diff_dst = memory(dst_md, ctx.engine);
    if (diff_src) {
      const auto* g = static_cast<const float*>(step.diff_dst.get_data_handle());
      auto* out = static_cast<float*>(diff_src->get_data_handle());
      const PoolLayout out_layout = pool_layout_of(diff_src->get_desc());
      Op backward;
      backward.kernel = [=] {
        max_pool_backward(shape, g, dst_layout, winner->data(), out, out_layout);
      };
      step.backward.push_back(std::move(backward));
    }
    return step;
  }

 private:
  memory::dim kernel_;
  Dims out_shape_;
};

class Activation final : public Layer {
 public:
  Activation(const Dims& in, algorithm kind) : shape_(in), kind_(kind) {}

  const Dims& output_shape() const override { return shape_; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto md = src.get_desc();
    const dnnl::eltwise_forward::primitive_desc fwd({forward_kind(ctx), kind_, md, 0.0f, 0.0f},
                                                    ctx.attr, ctx.engine);
    Step step;
    step.dst = memory(md, ctx.engine);
    step.forward.push_back(make_op<dnnl::eltwise_forward>(
        fwd, ctx.engine, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, step.dst}}));
    if (!ctx.training) return step;

    step.diff_dst = memory(md, ctx.engine);
    if (diff_src) {
      const dnnl::eltwise_backward::primitive_desc bwd({kind_, md, md, 0.0f, 0.0f}, ctx.attr,
                                                       ctx.engine, fwd);
      // The layer before may read its gradient in another layout than it
      // wrote its output (see Conv2d): reorder into it.
      const memory out = diff_src->get_desc() == md ? *diff_src : memory(md, ctx.engine);
      step.backward.push_back(make_op<dnnl::eltwise_backward>(
          bwd, ctx.engine,
          {{DNNL_ARG_SRC, src}, {DNNL_ARG_DIFF_DST, step.diff_dst}, {DNNL_ARG_DIFF_SRC, out}}));
      if (out != *diff_src) step.backward.push_back(make_reorder(ctx, out, *diff_src));
    }
    return step;
  }

 private:
  Dims shape_;
  algorithm kind_;
};

}  // namespace

double softmax_cross_entropy(const float* logits, const float* targets, std::size_t n,
                             std::size_t k, float* grad, std::size_t* correct) {
  double total = 0.0;
  std::size_t hits = 0;
  const float scale = 1.0f / static_cast<float>(n);
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
    // Shifting by the maximum keeps exp() from overflowing.
    const float m = row[best];
    double sum = 0.0;
    for (std::size_t j = 0; j < k; ++j)
      sum += std::exp(static_cast<double>(row[j] - m));
    const double log_sum = std::log(sum);
    total += log_sum - static_cast<double>(row[label] - m);
    if (grad) {
      float* g = grad + i * k;
      const double inv = 1.0 / sum;
      for (std::size_t j = 0; j < k; ++j) {
        g[j] = static_cast<float>(std::exp(static_cast<double>(row[j] - m)) * inv) * scale;
      }
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

Network::Network(Dims sample_shape, int threads)
    : sample_shape_(std::move(sample_shape)),
      threads_(std::max(1, threads)),
      engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_) {
  if (sample_shape_.empty() || product(sample_shape_) <= 0) {
    throw std::invalid_argument("nn: the dataset's sample shape is empty");
  }
  attr_.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  use_threads();
}

const Dims& Network::shape() const {
  return layers_.empty() ? sample_shape_ : layers_.back()->output_shape();
}

Network& Network::dense(memory::dim out, const std::string& name) {
  layers_.push_back(std::make_unique<Dense>(shape(), out, name));
  return *this;
}

Network& Network::conv2d(memory::dim out_channels, memory::dim kernel, const std::string& name) {
  layers_.push_back(std::make_unique<Conv2d>(shape(), out_channels, kernel, name));
  return *this;
}

Network& Network::max_pool(memory::dim kernel) {
  layers_.push_back(std::make_unique<MaxPool2d>(shape(), kernel));
  return *this;
}

Network& Network::activation(dnnl::algorithm kind) {
  layers_.push_back(std::make_unique<Activation>(shape(), kind));
  return *this;
}

void Network::finish(Loss loss, std::size_t max_batch) {
  if (layers_.empty() || shape().size() != 1) {
    throw std::logic_error("nn: a network must end in a dense layer");
  }
  loss_ = loss;
  outputs_ = static_cast<std::size_t>(shape()[0]);
  target_size_ = loss == Loss::CrossEntropy ? 1 : outputs_;
  for (auto& layer : layers_) {
    for (auto* p : layer->parameters()) {
      params_.push_back(p);
      buffers_.push_back({p->name, p->value.data(), p->grad.data(), p->value.size()});
    }
  }
  plan(std::max<std::size_t>(1, max_batch), true);
}

void Network::init_torch(optbench::Rng& rng) {
  for (auto* p : params_) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(p->fan_in));
    for (auto& v : p->value)
      v = static_cast<float>(rng.uniform(-bound, bound));
  }
}

void Network::use_threads() const {
  // OpenMP's thread count is per calling thread, and the host trains several
  // models on separate std::threads: set it on every entry.
  omp_set_num_threads(threads_);
}

std::unique_ptr<Network::Plan> Network::build(std::size_t batch, bool training) {
  auto p = std::make_unique<Plan>();
  p->batch = static_cast<memory::dim>(batch);
  p->input = memory(plain_desc(with_batch(p->batch, sample_shape_)), engine_);
  p->targets.resize(batch * target_size_);
  const BindContext ctx{engine_, attr_, p->batch, training};
  const memory* src = &p->input;
  const memory* diff_src = nullptr;
  for (auto& layer : layers_) {
    p->steps.push_back(layer->bind(ctx, *src, diff_src));
    src = &p->steps.back().dst;
    diff_src = training ? &p->steps.back().diff_dst : nullptr;
  }
  return p;
}

Network::Plan& Network::plan(std::size_t batch, bool training) {
  auto& slot = plans_[{batch, training}];
  if (!slot) {
    // Steps hold memories by handle, so growing the vector is safe.
    slot = build(batch, training);
  }
  return *slot;
}

void Network::load(Plan& p, const optbench::Batch& batch) {
  // Copied rather than wrapped: backward needs the input after the caller
  // may have refilled its batch buffer.
  std::memcpy(p.input.get_data_handle(), batch.inputs,
              batch.size * static_cast<std::size_t>(product(sample_shape_)) * sizeof(float));
  std::memcpy(p.targets.data(), batch.targets, batch.size * target_size_ * sizeof(float));
}

void Network::run_forward(Plan& p) {
  for (auto& step : p.steps) {
    for (auto& op : step.forward)
      op.run(stream_);
  }
  stream_.wait();
}

double Network::forward(const optbench::Batch& batch) {
  if (batch.size == 0 || !batch.inputs || !batch.targets) {
    throw std::invalid_argument("nn: forward needs a non-empty batch with inputs and targets");
  }
  use_threads();
  Plan& p = plan(batch.size, true);
  load(p, batch);
  run_forward(p);
  last_ = &p;
  // The loss gradient is cheap and needs the outputs just computed, so it is
  // written now and backward only runs the primitives.
  const auto* out = static_cast<const float*>(p.steps.back().dst.get_data_handle());
  auto* grad = static_cast<float*>(p.steps.back().diff_dst.get_data_handle());
  if (loss_ == Loss::CrossEntropy) {
    return softmax_cross_entropy(out, p.targets.data(), batch.size, outputs_, grad, nullptr);
  }
  return mean_squared_error(out, p.targets.data(), batch.size, outputs_, grad);
}

void Network::backward() {
  if (!last_) throw std::logic_error("nn: backward called before forward");
  use_threads();
  for (auto step = last_->steps.rbegin(); step != last_->steps.rend(); ++step) {
    for (auto& op : step->backward)
      op.run(stream_);
  }
  stream_.wait();
}

optbench::Evaluation Network::evaluate(const optbench::Batch& batch) {
  if (batch.size == 0 || !batch.inputs || !batch.targets) {
    throw std::invalid_argument("nn: evaluate needs a non-empty batch with inputs and targets");
  }
  use_threads();
  // An inference plan of its own, so a forward awaiting its backward keeps
  // its activations.
  Plan& p = plan(batch.size, false);
  load(p, batch);
  run_forward(p);
  const auto* out = static_cast<const float*>(p.steps.back().dst.get_data_handle());
  optbench::Evaluation e;
  if (loss_ == Loss::CrossEntropy) {
    e.loss =
        softmax_cross_entropy(out, p.targets.data(), batch.size, outputs_, nullptr, &e.correct);
  } else {
    e.loss = mean_squared_error(out, p.targets.data(), batch.size, outputs_, nullptr);
  }
  return e;
}

const optbench::DatasetInfo& require_data(const std::string& model,
                                          const optbench::ModelContext& context) {
  if (!context.data) {
    throw std::invalid_argument(model + ": this model needs a dataset");
  }
  return *context.data;
}

std::size_t volume(const std::vector<std::size_t>& shape) {
  std::size_t n = 1;
  for (auto x : shape)
    n *= x;
  return n;
}

std::unique_ptr<optbench::Model> finish_with_head(std::unique_ptr<Network> net,
                                                  const std::string& model,
                                                  const std::string& output_name,
                                                  const optbench::DatasetInfo& data,
                                                  const optbench::ModelContext& context) {
  const bool classify = data.task == optbench::Task::Classification;
  if (classify && data.classes < 2) {
    throw std::invalid_argument(model + ": a classification dataset needs at least 2 classes");
  }
  net->dense(static_cast<memory::dim>(classify ? data.classes : data.target_size), output_name);
  net->finish(classify ? Loss::CrossEntropy : Loss::MeanSquared, context.max_batch);
  optbench::Rng rng(context.seed);
  net->init_torch(rng);
  return std::make_unique<NetModel>(std::move(net));
}

}  // namespace nn
