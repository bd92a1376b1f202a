#include <memory>
#include <stdexcept>
#include <string>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "pool_shape.hpp"

namespace nn {
namespace {

// (C, H, W) -> (C, H/k, W/k), as nn.AvgPool2d(k): non-overlapping windows
// (stride = kernel, no padding, floor), on oneDNN's pooling. The output keeps
// the input's layout; the gradient is reordered into the layout the layer
// before reads when that differs.
class AvgPool2d final : public Layer {
 public:
  AvgPool2d(const Dims& in, memory::dim k)
      : kernel_(k), out_shape_(pooled_shape(in, k, "average pooling")) {}

  const Dims& output_shape() const override { return out_shape_; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    // oneDNN 2.6 pools a plain (N, C, H, W) tensor with a generic loop
    // (simple_nchw: 4.0 ms forward and 1.9 ms backward for 64 x 16 x 24 x 24
    // on AVX2), a channels-last one with its jit kernels (0.14 and 0.34 ms).
    // A plain input is therefore pooled in channels-last, reordered there
    // (0.07 ms) and its gradient back (0.08 ms); the output is reordered
    // back to plain too, so that it keeps the input's layout.
    const auto given_md = src.get_desc();
    const bool plain = is_plain(given_md);
    const auto src_md = plain ? memory::desc(given_md.dims(), f32, tag::nhwc) : given_md;
    const Dims kernel{kernel_, kernel_}, strides{kernel_, kernel_}, pad{0, 0};
    const memory::desc dst_any(with_batch(ctx.batch, out_shape_), f32, tag::any);
    const auto algo = algorithm::pooling_avg_exclude_padding;
    const dnnl::pooling_forward::primitive_desc fwd(
        {forward_kind(ctx), algo, src_md, dst_any, strides, kernel, pad, pad}, ctx.attr,
        ctx.engine);
    Step step;
    const memory pool_src = plain ? memory(src_md, ctx.engine) : src;
    if (plain) step.forward.push_back(make_reorder(ctx, src, pool_src));
    const memory pool_dst(fwd.dst_desc(), ctx.engine);
    step.forward.push_back(make_op<dnnl::pooling_forward>(
        fwd, ctx.engine, {{DNNL_ARG_SRC, pool_src}, {DNNL_ARG_DST, pool_dst}}));
    step.dst = plain ? memory(plain_desc(with_batch(ctx.batch, out_shape_)), ctx.engine) : pool_dst;
    if (plain) step.forward.push_back(make_reorder(ctx, pool_dst, step.dst));
    if (!ctx.training) return step;

    step.diff_dst = memory(step.dst.get_desc(), ctx.engine);
    if (diff_src) {
      const memory pool_diff_dst = plain ? memory(fwd.dst_desc(), ctx.engine) : step.diff_dst;
      if (plain) step.backward.push_back(make_reorder(ctx, step.diff_dst, pool_diff_dst));
      const dnnl::pooling_backward::primitive_desc bwd(
          {algo, src_md, fwd.dst_desc(), strides, kernel, pad, pad}, ctx.attr, ctx.engine, fwd);
      const memory out = diff_src->get_desc() == bwd.diff_src_desc()
                             ? *diff_src
                             : memory(bwd.diff_src_desc(), ctx.engine);
      step.backward.push_back(make_op<dnnl::pooling_backward>(
          bwd, ctx.engine, {{DNNL_ARG_DIFF_DST, pool_diff_dst}, {DNNL_ARG_DIFF_SRC, out}}));
      if (out != *diff_src) step.backward.push_back(make_reorder(ctx, out, *diff_src));
    }
    return step;
  }

 private:
  memory::dim kernel_;
  Dims out_shape_;
};

const LayerRegistrar avgpool_word({
    .word = "avgpool",
    .arguments = {{.name = "kernel", .shown = "K"}},
    .shape =
        [](const LayerSite& site) {
          return pooled_shape(site.in, site.count(0), "average pooling");
        },
    .make = [](const LayerSite& site) { return make_avg_pool2d(site.in, site.count(0)); },
    .order = 31,
});

}  // namespace

std::unique_ptr<Layer> make_avg_pool2d(const Dims& in, memory::dim kernel) {
  return std::make_unique<AvgPool2d>(in, kernel);
}

}  // namespace nn
