#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"

namespace nn {
namespace {

using flags = dnnl::normalization_flags;

/// (C) or (C, H, W), kept; throws naming the layer for any other input.
Dims batch_norm_shape(const Dims& in, const std::string& name) {
  if (in.size() != 1 && in.size() != 3) {
    throw std::invalid_argument("nn: " + name + " needs a (C) or (C, H, W) input, got " +
                                std::to_string(in.size()) + "-D");
  }
  return in;
}

// (C) or (C, H, W) -> same shape, as nn.BatchNorm1d / nn.BatchNorm2d with
// their defaults (eps 1e-5, momentum 0.1, affine, running statistics).
// In train mode each channel is normalized by its batch mean and biased
// variance, and a training forward (not an evaluation) folds them into the
// running statistics as torch does: the variance unbiased, m = the values
// per channel, running = (1 - momentum) running + momentum batch. In eval
// mode the running statistics normalize and are left alone.
class BatchNorm final : public Layer {
 public:
  BatchNorm(const Dims& in, const std::string& name, float momentum, float eps)
      : shape_(batch_norm_shape(in, name)), momentum_(momentum), eps_(eps) {
    const Dims c{in[0]};
    weight_ = make_parameter(name + ".weight", c, 1, ParamKind::Trainable, Init::Ones);
    bias_ = make_parameter(name + ".bias", c, 1, ParamKind::Trainable, Init::Zeros);
    running_mean_ = make_parameter(name + ".running_mean", c, 1, ParamKind::Buffer, Init::Zeros);
    running_var_ = make_parameter(name + ".running_var", c, 1, ParamKind::Buffer, Init::Ones);
  }

  const Dims& output_shape() const override { return shape_; }
  std::vector<Parameter*> parameters() override {
    return {weight_.get(), bias_.get(), running_mean_.get(), running_var_.get()};
  }

  Step bind(const BindContext& ctx, const memory& given_src,
            const memory* given_diff_src) override {
    // oneDNN 2.6 normalizes plain layouts (NCHW, NC) with its generic ncsp
    // kernel, 3-6x slower than its JIT kernel on channel-blocked data
    // (bench/layers_bench.py). A plain input, (N, C) taken as (N, C, 1, 1),
    // is therefore reordered to nChw8c and back; a convolution's blocked
    // output is used as it comes.
    const auto given_md = given_src.get_desc();
    const bool plain = is_plain(given_md);
    Dims dims4 = given_md.dims();
    if (dims4.size() == 2) dims4.insert(dims4.end(), {1, 1});
    const auto md = plain ? memory::desc(dims4, f32, tag::nChw8c) : given_md;
    Step step;
    memory src = given_src;
    if (plain) {
      src = memory(md, ctx.engine);
      step.forward.push_back(make_reorder(
          ctx, memory(plain_desc(dims4), ctx.engine, given_src.get_data_handle()), src));
    }
    const bool batch_stats = ctx.train_mode;
    auto f = flags::use_scale | flags::use_shift;
    if (!batch_stats) f |= flags::use_global_stats;
    const dnnl::batch_normalization_forward::primitive_desc fwd({forward_kind(ctx), md, eps_, f},
                                                                ctx.attr, ctx.engine);
    const auto c_md = plain_desc(weight_->dims);
    const memory scale(c_md, ctx.engine, weight_->value.data());
    const memory shift(c_md, ctx.engine, bias_->value.data());
    // Batch statistics are the forward's output; running ones its input.
    const memory mean = batch_stats ? memory(c_md, ctx.engine)
                                    : memory(c_md, ctx.engine, running_mean_->value.data());
    const memory var = batch_stats ? memory(c_md, ctx.engine)
                                   : memory(c_md, ctx.engine, running_var_->value.data());
    const memory dst(md, ctx.engine);
    step.dst = plain ? memory(given_md, ctx.engine) : dst;
    std::unordered_map<int, memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}, {DNNL_ARG_SCALE, scale}, {DNNL_ARG_SHIFT, shift}};
    // An inference forward on batch statistics computes them but does not
    // output them.
    if (!batch_stats || ctx.training) {
      args[DNNL_ARG_MEAN] = mean;
      args[DNNL_ARG_VARIANCE] = var;
    }
    memory workspace;
    if (fwd.workspace_desc().get_size() > 0) {
      workspace = memory(fwd.workspace_desc(), ctx.engine);
      args[DNNL_ARG_WORKSPACE] = workspace;
    }
    step.forward.push_back(make_op<dnnl::batch_normalization_forward>(fwd, ctx.engine, args));
    if (plain) {
      step.forward.push_back(make_reorder(
          ctx, dst, memory(plain_desc(dims4), ctx.engine, step.dst.get_data_handle())));
    }
    if (!ctx.training) return step;

    if (batch_stats) {
      const auto dims = md.dims();
      const memory::dim per_channel = product(dims) / dims[1];
      const float unbias =
          per_channel > 1 ? static_cast<float>(per_channel) / static_cast<float>(per_channel - 1)
                          : 1.0f;
      Op update;
      update.kernel = [m = momentum_, unbias, n = weight_->value.size(),
                       batch_mean = static_cast<const float*>(mean.get_data_handle()),
                       batch_var = static_cast<const float*>(var.get_data_handle()),
                       run_mean = running_mean_->value.data(),
                       run_var = running_var_->value.data()] {
        for (std::size_t c = 0; c < n; ++c) {
          run_mean[c] = (1.0f - m) * run_mean[c] + m * batch_mean[c];
          run_var[c] = (1.0f - m) * run_var[c] + m * (batch_var[c] * unbias);
        }
      };
      step.forward.push_back(std::move(update));
    }

    step.diff_dst = memory(plain ? given_md : md, ctx.engine);
    memory diff_dst = step.diff_dst;
    if (plain) {
      diff_dst = memory(md, ctx.engine);
      step.backward.push_back(make_reorder(
          ctx, memory(plain_desc(dims4), ctx.engine, step.diff_dst.get_data_handle()), diff_dst));
    }
    // Where the input gradient goes in this layer's layout: the caller's
    // buffer, viewed as 4-D, is reordered into after the backward.
    memory diff_src_view;
    const memory* diff_src = given_diff_src;
    if (plain && given_diff_src) {
      diff_src_view = given_diff_src->get_desc() == given_md
                          ? memory(plain_desc(dims4), ctx.engine, given_diff_src->get_data_handle())
                          : *given_diff_src;
      diff_src = &diff_src_view;
    }
    const dnnl::batch_normalization_backward::primitive_desc bwd(
        {prop_kind::backward, md, md, eps_, f}, ctx.attr, ctx.engine, fwd);
    // The scale and shift gradients need the backward even for the first
    // layer; its input gradient then goes to a buffer nobody reads.
    const memory out = diff_src && diff_src->get_desc() == md ? *diff_src : memory(md, ctx.engine);
    std::unordered_map<int, memory> bwd_args{
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_MEAN, mean},
        {DNNL_ARG_VARIANCE, var},
        {DNNL_ARG_DIFF_DST, diff_dst},
        {DNNL_ARG_SCALE, scale},
        {DNNL_ARG_SHIFT, shift},
        {DNNL_ARG_DIFF_SRC, out},
        {DNNL_ARG_DIFF_SCALE, memory(c_md, ctx.engine, weight_->grad.data())},
        {DNNL_ARG_DIFF_SHIFT, memory(c_md, ctx.engine, bias_->grad.data())}};
    if (workspace) bwd_args[DNNL_ARG_WORKSPACE] = workspace;
    step.backward.push_back(
        make_op<dnnl::batch_normalization_backward>(bwd, ctx.engine, std::move(bwd_args)));
    if (diff_src && out != *diff_src) step.backward.push_back(make_reorder(ctx, out, *diff_src));
    return step;
  }

 private:
  Dims shape_;
  float momentum_, eps_;
  std::unique_ptr<Parameter> weight_, bias_, running_mean_, running_var_;
};

const LayerRegistrar batchnorm_word({
    .word = "batchnorm",
    .shape = [](const LayerSite& site) { return batch_norm_shape(site.in, site.name("bn")); },
    .make = [](const LayerSite& site) { return make_batch_norm(site.in, site.name("bn")); },
    .order = 50,
});

}  // namespace

std::unique_ptr<Layer> make_batch_norm(const Dims& in, const std::string& name, float momentum,
                                       float eps) {
  return std::make_unique<BatchNorm>(in, name, momentum, eps);
}

}  // namespace nn
