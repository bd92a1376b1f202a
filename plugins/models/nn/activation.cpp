#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "tanh.hpp"

namespace nn {
namespace {

/// The variant of `kind` whose backward reads the forward's output, where
/// oneDNN has one that saves work: tanh's and the sigmoid's derivatives are
/// 1 - y^2 and y (1 - y), while from the input the backward evaluates the
/// function again. On AVX2 oneDNN 2.6's tanh costs 4.6 ns an element (its
/// table lookups gather), so its backward from the input took 1.31 ms for
/// 64 x 4096 against the forward's 1.21 ms. PyTorch's backward uses the
/// output too. Other functions (ReLU, GELU) keep the input.
algorithm backward_from_output(algorithm kind) {
  switch (kind) {
    case algorithm::eltwise_tanh:
      return algorithm::eltwise_tanh_use_dst_for_bwd;
    case algorithm::eltwise_logistic:
      return algorithm::eltwise_logistic_use_dst_for_bwd;
    default:
      return kind;
  }
}

// An elementwise oneDNN function; its backward reads the forward's input,
// or its output where that saves work (backward_from_output).
class Activation final : public Layer {
 public:
  Activation(const Dims& in, algorithm kind)
      : shape_(in), kind_(kind), run_kind_(backward_from_output(kind)) {}

  const Dims& output_shape() const override { return shape_; }
  bool is_relu() const override { return kind_ == algorithm::eltwise_relu; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto md = src.get_desc();
    const dnnl::eltwise_forward::primitive_desc fwd({forward_kind(ctx), run_kind_, md, 0.0f, 0.0f},
                                                    ctx.attr, ctx.engine);
    Step step;
    step.dst = memory(md, ctx.engine);
    if (kind_ == algorithm::eltwise_tanh) {
      // optbench's own tanh (tanh.hpp): 0.35 ms where oneDNN's took 1.2 ms
      // for 64 x 4096 on AVX2.
      // Over the whole buffer, a blocked layout's zero padding included.
      Op op;
      op.kernel = [x = static_cast<const float*>(src.get_data_handle()),
                   y = static_cast<float*>(step.dst.get_data_handle()),
                   n = md.get_size() / sizeof(float)] { tanh_forward(x, y, n); };
      step.forward.push_back(std::move(op));
    } else {
      step.forward.push_back(make_op<dnnl::eltwise_forward>(
          fwd, ctx.engine, {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, step.dst}}));
    }
    if (!ctx.training) return step;

    step.diff_dst = memory(md, ctx.engine);
    if (diff_src) {
      const dnnl::eltwise_backward::primitive_desc bwd({run_kind_, md, md, 0.0f, 0.0f}, ctx.attr,
                                                       ctx.engine, fwd);
      const bool from_output = run_kind_ != kind_;
      // The layer before may read its gradient in another layout than it
      // wrote its output (see Conv2d): reorder into it.
      const memory out = diff_src->get_desc() == md ? *diff_src : memory(md, ctx.engine);
      step.backward.push_back(make_op<dnnl::eltwise_backward>(
          bwd, ctx.engine,
          {{from_output ? DNNL_ARG_DST : DNNL_ARG_SRC, from_output ? step.dst : src},
           {DNNL_ARG_DIFF_DST, step.diff_dst},
           {DNNL_ARG_DIFF_SRC, out}}));
      if (out != *diff_src) step.backward.push_back(make_reorder(ctx, out, *diff_src));
    }
    return step;
  }

 private:
  Dims shape_;
  algorithm kind_, run_kind_;
};

// The words: oneDNN's function behind each, shape kept.
LayerKind activation_word(std::string word, algorithm kind, int order) {
  return {.word = std::move(word),
          .shape = [](const LayerSite& site) { return site.in; },
          .make = [kind](const LayerSite& site) { return make_activation(site.in, kind); },
          .order = order};
}

const LayerRegistrar relu_word(activation_word("relu", algorithm::eltwise_relu, 40));
const LayerRegistrar tanh_word(activation_word("tanh", algorithm::eltwise_tanh, 41));
const LayerRegistrar sigmoid_word(activation_word("sigmoid", algorithm::eltwise_logistic, 42));
const LayerRegistrar gelu_word(activation_word("gelu", algorithm::eltwise_gelu_erf, 43));

}  // namespace

std::unique_ptr<Layer> make_activation(const Dims& in, dnnl::algorithm kind) {
  return std::make_unique<Activation>(in, kind);
}

}  // namespace nn
