#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"

namespace nn {
namespace {

// An elementwise oneDNN function; its backward reads the forward's input.
class Activation final : public Layer {
 public:
  Activation(const Dims& in, algorithm kind) : shape_(in), kind_(kind) {}

  const Dims& output_shape() const override { return shape_; }
  bool is_relu() const override { return kind_ == algorithm::eltwise_relu; }

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
