#include <algorithm>
#include <memory>
#include <vector>

#include "channel_sum.hpp"
#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "winograd.hpp"

namespace nn {
namespace {

/// (C, H, W) -> (out, H-k+1, W-k+1); throws naming the layer for any other input.
Dims conv2d_shape(const Dims& in, memory::dim out, memory::dim k, const std::string& name) {
  if (in.size() != 3 || in[1] < k || in[2] < k) {
    throw std::invalid_argument("nn: " + name + " needs a (C, H, W) input of at least " +
                                std::to_string(k) + "x" + std::to_string(k));
  }
  return {out, in[1] - k + 1, in[2] - k + 1};
}

// Square kernel, stride 1, no padding. The weight format is left to oneDNN
// (format_tag::any); when it picks a blocked one, the plain oihw parameter is
// reordered into it before forward and the gradient back after backward.
// Where winograd_suits says so (AVX2 CPUs, whole channel vectors), the layer
// runs on Winograd tiles instead (winograd.hpp).
class Conv2d final : public Layer {
 public:
  Conv2d(const Dims& in, memory::dim out, memory::dim k, const std::string& name)
      : out_shape_(conv2d_shape(in, out, k, name)),
        weight_(make_parameter(name + ".weight", {out, in[0], k, k}, in[0] * k * k)),
        bias_(make_parameter(name + ".bias", {out}, in[0] * k * k)) {}

  const Dims& output_shape() const override { return out_shape_; }
  std::vector<Parameter*> parameters() override { return {weight_.get(), bias_.get()}; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto src_md = src.get_desc();
    const auto size = [](memory::dim x) { return static_cast<std::size_t>(x); };
    const auto in = src_md.dims();
    const WinogradShape shape{size(in[0]), size(in[1]), size(out_shape_[0]),
                              size(in[2]), size(in[3]), size(weight_->dims[2])};
    if (winograd_suits(shape)) return bind_winograd(ctx, src, diff_src, shape);
    const Dims strides{1, 1}, pad{0, 0};
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
    // here (conv1 of the cnn model: 19 -> 3.5 ms per batch of 64).
    const bool channels_last = src_md.dims()[1] < 8;
    const tag bw_tag = channels_last ? tag::nhwc : tag::any;
    const memory::desc src_any(src_md.dims(), f32, bw_tag);
    const memory::desc dst_any_bw(dst_md.dims(), f32, bw_tag);
    // That channels-last kernel sums the bias gradient in a scalar loop
    // outside its jit code: 0.75 of its 2.0 ms for conv1 of the cnn model. It
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
    // writes it straight into the layout that kernel wants (for the cnn model
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
      auto sum = std::make_shared<ChannelSum>(u(d[0]), u(d[2] * d[3]), u(d[1]));
      // The layer after may add it up while it writes the gradient (it then
      // takes the request); otherwise this reads the gradient once more.
      if (bw_diff_dst == step.diff_dst) step.diff_dst_sum = sum;
      Op bias_grad;
      bias_grad.kernel = [sum, from = static_cast<const float*>(bw_diff_dst.get_data_handle()),
                          to = bias_->grad.data()] {
        if (sum->taken) {
          sum->total(to);
        } else {
          sum->run(from, to);
        }
      };
      step.backward.push_back(std::move(bias_grad));
    }
    return step;
  }

 private:
  // Every tensor in nChw8c: the input and the input gradient are reordered
  // when the layers around give or want another layout.
  Step bind_winograd(const BindContext& ctx, const memory& src, const memory* diff_src,
                     const WinogradShape& shape) {
    auto conv = std::make_shared<WinogradConv>(shape, diff_src != nullptr);
    const memory::desc blocked_src(src.get_desc().dims(), f32, tag::aBcd8b);
    const memory::desc blocked_dst(with_batch(ctx.batch, out_shape_), f32, tag::aBcd8b);
    Step step;
    memory in = src;
    if (src.get_desc() != blocked_src) {
      in = memory(blocked_src, ctx.engine);
      step.forward.push_back(make_reorder(ctx, src, in));
    }
    step.dst = memory(blocked_dst, ctx.engine);
    const float* weight = weight_->value.data();
    Op forward;
    forward.kernel = [conv, in, weight, bias = bias_->value.data(), dst = step.dst] {
      conv->forward(data_of(in), weight, bias, data_of(dst));
    };
    step.forward.push_back(std::move(forward));
    if (!ctx.training) return step;

    step.diff_dst = memory(blocked_dst, ctx.engine);
    const bool staged = diff_src && diff_src->get_desc() != blocked_src;
    const memory gradient = staged     ? memory(blocked_src, ctx.engine)
                            : diff_src ? *diff_src
                                       : memory();
    Op backward;
    backward.kernel = [conv, diff_dst = step.diff_dst, weight, gradient, gw = weight_->grad.data(),
                       gb = bias_->grad.data()] {
      conv->backward(data_of(diff_dst), weight, gradient ? data_of(gradient) : nullptr, gw, gb);
    };
    step.backward.push_back(std::move(backward));
    if (staged) step.backward.push_back(make_reorder(ctx, gradient, *diff_src));
    return step;
  }

  static float* data_of(const memory& m) { return static_cast<float*>(m.get_data_handle()); }

  Dims out_shape_;
  std::unique_ptr<Parameter> weight_, bias_;
};

const LayerRegistrar conv_word({
    .word = "conv",
    .arguments = {{.name = "out", .shown = "OUT"}, {.name = "kernel", .shown = "K"}},
    .shape =
        [](const LayerSite& site) {
          return conv2d_shape(site.in, site.count(0), site.count(1), site.name("conv"));
        },
    .make =
        [](const LayerSite& site) {
          return make_conv2d(site.in, site.count(0), site.count(1), site.name("conv"));
        },
    .order = 20,
});

}  // namespace

std::unique_ptr<Layer> make_conv2d(const Dims& in, memory::dim out, memory::dim kernel,
                                   const std::string& name) {
  return std::make_unique<Conv2d>(in, out, kernel, name);
}

}  // namespace nn
