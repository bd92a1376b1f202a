#include <cstdint>
#include <cstring>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "row_padding.hpp"

namespace nn {
namespace {

/// oneDNN's ReLU backward, in place: the gradient times 1 where the unit's
/// output is above 0 (exactly where its input was), times 0 elsewhere, so a
/// zero keeps its sign as there. Four lanes at a time in the baseline
/// instruction set: written as a plain loop, the compiler turned the select
/// into a branch, which mispredicted on half-dead units (60 us per MLP step).
void relu_backward_in_place(const float* out, float* grad, std::size_t n) {
  using f4 = float __attribute__((vector_size(16)));
  using i4 = std::int32_t __attribute__((vector_size(16)));
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    f4 o, g;
    std::memcpy(&o, out + i, sizeof o);
    std::memcpy(&g, grad + i, sizeof g);
    const i4 alive = o > f4{};
    g = alive ? g : g * f4{};
    std::memcpy(grad + i, &g, sizeof g);
  }
  for (; i < n; ++i)
    grad[i] = out[i] > 0.0f ? grad[i] : grad[i] * 0.0f;
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

  // A ReLU after the layer runs as a post-op of its forward, in the same
  // pass that adds the bias (oneDNN's max(x, 0), the ReLU layer's bits),
  // and its backward as one pass over the output gradient before the
  // layer's own backward: no ReLU layer, no copy of the activations.
  bool take_relu() override {
    if (relu_) return false;
    relu_ = true;
    return true;
  }

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
    // A new attribute: copying a dnnl::primitive_attr copies the handle,
    // and the post-op would reach every primitive sharing the network's.
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(ctx.attr.get_scratchpad_mode());
    if (relu_) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, algorithm::eltwise_relu, 0.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    // The forward runs as a matmul of the (N, in) input by the (out, in)
    // weight seen transposed (strides, no copy). oneDNN 2.6's inner product
    // computes the same product with its older GEMM, which is slower at
    // these shapes and runs a batch of 64 on one thread however many it is
    // given: measured for 64 x 1024 -> 512 (the cnn model's fc1), 530 us on
    // one thread against the matmul's 359 us, and 605 us against 175 us on
    // two; for 64 x 784 -> 200, 119 against 110 us. Its backward passes stay
    // inner products, which are as fast as matmul there and also give the
    // bias gradient, except the input gradient of a weight whose rows are a
    // multiple of 2 KB long (below).
    const auto in_features = static_cast<memory::dim>(product(in));
    const memory::desc w_t_md({in_features, out_shape_[0]}, f32, memory::dims{1, in_features});
    const memory::desc b_row_md({1, out_shape_[0]}, f32, tag::ab);
    const dnnl::matmul::primitive_desc product_pd(
        {plain_desc({ctx.batch, in_features}), w_t_md, b_row_md,
         plain_desc({ctx.batch, out_shape_[0]})},
        attr, ctx.engine);
    step.dst = memory(dst_md, ctx.engine);
    step.forward.push_back(make_op<dnnl::matmul>(
        product_pd, ctx.engine,
        {{DNNL_ARG_SRC, memory(product_pd.src_desc(), ctx.engine, src.get_data_handle())},
         {DNNL_ARG_WEIGHTS, memory(w_t_md, ctx.engine, weight_->value.data())},
         {DNNL_ARG_BIAS, memory(b_row_md, ctx.engine, bias_->value.data())},
         {DNNL_ARG_DST, memory(product_pd.dst_desc(), ctx.engine, step.dst.get_data_handle())}}));
    if (!ctx.training) return step;

    // The inner product's forward, never run: the backward passes' hint.
    const dnnl::inner_product_forward::primitive_desc fwd(
        {forward_kind(ctx), src_md, w_md, b_md, dst_md}, attr, ctx.engine);
    const memory w(w_md, ctx.engine, weight_->value.data());
    step.diff_dst = memory(dst_md, ctx.engine);
    if (relu_) {
      Op relu_backward;
      relu_backward.kernel = [n = dst_md.get_size() / sizeof(float),
                              out = static_cast<const float*>(step.dst.get_data_handle()),
                              grad = static_cast<float*>(step.diff_dst.get_data_handle())] {
        relu_backward_in_place(out, grad, n);
      };
      step.backward.push_back(std::move(relu_backward));
    }
    if (diff_src && diff_src->get_desc() == src_md && rows_alias_in_cache(in_features)) {
      // The input gradient dY W reads the (out, in) weight row by row. When
      // its rows are a multiple of 2 KB apart they fall into the same few
      // sets of the L1 cache and oneDNN's GEMM slows down 1.7-2.2x (measured
      // on AVX2: the cnn model's 64 x 512 -> 1024 took 1.6-2.2 ms with the
      // weight 32-byte aligned, 0.95 ms at 16 bytes past that), so it runs
      // on a copy with each row padded by one cache line: 0.72 ms plus
      // 0.08 ms for the copy, whatever the weight's address. The same
      // product in the same order: the same bits as the inner product.
      const memory::desc w_rows_md({out_shape_[0], in_features}, f32, tag::ab);
      const memory::desc padded_md({out_shape_[0], in_features}, f32,
                                   memory::dims{in_features + kRowPadFloats, 1});
      const memory padded(padded_md, ctx.engine);
      step.backward.push_back(
          make_reorder(ctx, memory(w_rows_md, ctx.engine, weight_->value.data()), padded));
      const auto diff_rows_md = plain_desc({ctx.batch, in_features});
      const dnnl::matmul::primitive_desc input_grad_pd(
          {plain_desc({ctx.batch, out_shape_[0]}), padded_md, diff_rows_md}, ctx.attr, ctx.engine);
      step.backward.push_back(make_op<dnnl::matmul>(
          input_grad_pd, ctx.engine,
          {{DNNL_ARG_SRC,
            memory(input_grad_pd.src_desc(), ctx.engine, step.diff_dst.get_data_handle())},
           {DNNL_ARG_WEIGHTS, padded},
           {DNNL_ARG_DST, memory(diff_rows_md, ctx.engine, diff_src->get_data_handle())}}));
    } else if (diff_src) {
      const dnnl::inner_product_backward_data::primitive_desc bwd(
          {diff_src->get_desc(), w_md, dst_md}, ctx.attr, ctx.engine, fwd);
      step.backward.push_back(
          make_op<dnnl::inner_product_backward_data>(bwd, ctx.engine,
                                                     {{DNNL_ARG_DIFF_DST, step.diff_dst},
                                                      {DNNL_ARG_WEIGHTS, w},
                                                      {DNNL_ARG_DIFF_SRC, *diff_src}}));
    }
    if (diff_src) {
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
  bool relu_ = false;
};

// nn.Linear on the last dimension of a (T, F) sequence: the inner product
// of a batch of N samples runs as one over N*T rows, on the same memory
// (plain (N, T, F) is plain (N*T, F)).
class TokenDense final : public Layer {
 public:
  TokenDense(const Dims& in, memory::dim out, const std::string& name)
      : steps_(in.at(0)), out_shape_{in.at(0), out}, inner_({in.at(1)}, out, name) {}

  const Dims& output_shape() const override { return out_shape_; }
  std::vector<Parameter*> parameters() override { return inner_.parameters(); }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const BindContext rows{ctx.engine, ctx.attr, ctx.batch * steps_, ctx.training, ctx.train_mode};
    const auto features = src.get_desc().dims().back();
    const auto as_rows = [&](const memory& m, memory::dim width) {
      return memory(plain_desc({ctx.batch * steps_, width}), ctx.engine, m.get_data_handle());
    };
    if (src.get_desc() != plain_desc(with_batch(ctx.batch, {steps_, features}))) {
      throw std::logic_error("nn: a sequence's linear layer needs a plain (N, T, F) input");
    }
    const memory src_rows = as_rows(src, features);
    memory diff_rows;
    if (diff_src) diff_rows = as_rows(*diff_src, features);
    Step inner = inner_.bind(rows, src_rows, diff_src ? &diff_rows : nullptr);
    Step step;
    step.forward = std::move(inner.forward);
    step.backward = std::move(inner.backward);
    const auto md = plain_desc(with_batch(ctx.batch, out_shape_));
    step.dst = memory(md, ctx.engine, inner.dst.get_data_handle());
    if (ctx.training) step.diff_dst = memory(md, ctx.engine, inner.diff_dst.get_data_handle());
    // The inner step's memories own the buffers these views alias.
    keep_.push_back(std::move(inner.dst));
    keep_.push_back(std::move(inner.diff_dst));
    return step;
  }

 private:
  memory::dim steps_;
  Dims out_shape_;
  Dense inner_;
  std::vector<memory> keep_;
};

// `linear` without a width is as wide as the data's target: one logit per
// class (of each step, for sequences), or one value per target; the head,
// or the layer before a final activation.
memory::dim linear_width(const LayerSite& site) {
  if (site.given(0)) return site.count(0);
  const auto& data = site.data;
  const bool classify = data.task == optbench::Task::Classification;
  if (!classify && site.in.size() == 2) {
    return static_cast<memory::dim>(data.target_size) / site.in[0];
  }
  return static_cast<memory::dim>(classify ? data.classes : data.target_size);
}

// On a (T, F) sequence, nn.Linear acts on each step.
const LayerRegistrar linear_word({
    .word = "linear",
    .arguments = {{.name = "out", .shown = "N", .optional = true}},
    .shape =
        [](const LayerSite& site) {
          const auto width = linear_width(site);
          return site.in.size() == 2 ? Dims{site.in[0], width} : Dims{width};
        },
    .make =
        [](const LayerSite& site) {
          const auto width = linear_width(site);
          const auto name = site.name("fc");
          return site.in.size() == 2 ? make_token_dense(site.in, width, name)
                                     : make_dense(site.in, width, name);
        },
    .order = 10,
    .note = "(alone: the data's width)",
    .expected = "linear N, or linear alone for the data's width",
});

}  // namespace

std::unique_ptr<Layer> make_token_dense(const Dims& in, memory::dim out, const std::string& name) {
  if (in.size() != 2) throw std::invalid_argument("nn: " + name + " needs a (T, F) sequence");
  return std::make_unique<TokenDense>(in, out, name);
}

std::unique_ptr<Layer> make_dense(const Dims& in, memory::dim out, const std::string& name) {
  return std::make_unique<Dense>(in, out, name);
}

}  // namespace nn
