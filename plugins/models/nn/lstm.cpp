#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"

namespace nn {
namespace {

using dnnl::lstm_backward;
using dnnl::lstm_forward;
using dnnl::rnn_direction;

/// (T, C) -> (T, hidden); throws naming the layer for any other input.
Dims lstm_shape(const Dims& in, memory::dim hidden, memory::dim layers, const std::string& name) {
  if (in.size() != 2) {
    throw std::invalid_argument("nn: " + name + " needs a (T, C) sequence");
  }
  if (hidden < 1 || layers < 1) {
    throw std::invalid_argument("nn: " + name + " needs hidden >= 1 and layers >= 1");
  }
  return {in[0], hidden};
}

// A stack of LSTM layers, one oneDNN lstm primitive each (a single
// multi-layer primitive needs the input width to equal the hidden width).
//
// Tensors are kept in torch's layout: weight_ih (4H, C) row-major is
// oneDNN's ldgoi with l = d = 1, and both torch and oneDNN order the gates
// i, f, g (oneDNN's c~), o, so no gate is moved. The primitive picks its own
// weight layout (format `any`) and reorders run each step. torch has two
// biases where oneDNN has one: the primitive gets their sum, and both get
// its gradient. Sequences start from a zero state (empty iter
// descriptors), as nn.LSTM without (h0, c0).
class Lstm final : public Layer {
 public:
  Lstm(const Dims& in, memory::dim hidden, memory::dim layers, const std::string& name)
      : out_shape_(lstm_shape(in, hidden, layers, name)) {
    for (memory::dim k = 0; k < layers; ++k) {
      const auto suffix = "_l" + std::to_string(k);
      const memory::dim width = k == 0 ? in[1] : hidden;
      // torch.nn.LSTM draws every tensor from U(-1/sqrt(hidden), 1/sqrt(hidden)).
      Level level;
      level.input = width;
      level.w_ih = make_parameter(name + ".weight_ih" + suffix, {4 * hidden, width}, hidden);
      level.w_hh = make_parameter(name + ".weight_hh" + suffix, {4 * hidden, hidden}, hidden);
      level.b_ih = make_parameter(name + ".bias_ih" + suffix, {4 * hidden}, hidden);
      level.b_hh = make_parameter(name + ".bias_hh" + suffix, {4 * hidden}, hidden);
      levels_.push_back(std::move(level));
    }
  }

  const Dims& output_shape() const override { return out_shape_; }

  std::vector<Parameter*> parameters() override {
    std::vector<Parameter*> out;
    for (auto& l : levels_) {
      out.insert(out.end(), {l.w_ih.get(), l.w_hh.get(), l.b_ih.get(), l.b_hh.get()});
    }
    return out;
  }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const memory::dim T = out_shape_[0], H = out_shape_[1], N = ctx.batch;
    if (src.get_desc() != plain_desc({N, T, levels_[0].input})) {
      throw std::logic_error("nn: an LSTM needs a plain (N, T, C) input");
    }
    const auto seq = [&](memory::dim width) { return memory::desc({T, N, width}, f32, tag::ntc); };
    // Plain (N, T, C) is oneDNN's ntc: the same bytes, described as (T, N, C).
    const auto view = [&](const memory& m, memory::dim width) {
      return memory(seq(width), ctx.engine, m.get_data_handle());
    };
    Step step;
    step.dst = memory(plain_desc({N, T, H}), ctx.engine);
    if (ctx.training) step.diff_dst = memory(plain_desc({N, T, H}), ctx.engine);

    struct Bound {
      lstm_forward::primitive_desc fwd;
      memory src, dst, w_layer, w_iter, bias, workspace;
    };
    std::vector<Bound> bound;
    memory layer_src = view(src, levels_[0].input);
    for (std::size_t k = 0; k < levels_.size(); ++k) {
      auto& l = levels_[k];
      const bool last = k + 1 == levels_.size();
      Bound b;
      b.src = layer_src;
      b.dst = last ? view(step.dst, H) : memory(seq(H), ctx.engine);
      const LevelDescs d{seq(l.input), l.input, H};
      b.fwd = lstm_forward::primitive_desc(d.forward(forward_kind(ctx)), ctx.attr, ctx.engine);
      b.w_layer = weights(ctx, step.forward, user_weights(ctx, *l.w_ih, l.input, H, false),
                          b.fwd.weights_layer_desc());
      b.w_iter = weights(ctx, step.forward, user_weights(ctx, *l.w_hh, H, H, false),
                         b.fwd.weights_iter_desc());
      b.bias = memory(d.bias, ctx.engine);
      Op sum;
      sum.kernel = [n = static_cast<std::size_t>(4 * H),
                    to = static_cast<float*>(b.bias.get_data_handle()), x = l.b_ih->value.data(),
                    y = l.b_hh->value.data()] {
        for (std::size_t i = 0; i < n; ++i)
          to[i] = x[i] + y[i];
      };
      step.forward.push_back(std::move(sum));
      std::unordered_map<int, memory> args{{DNNL_ARG_SRC_LAYER, b.src},
                                           {DNNL_ARG_WEIGHTS_LAYER, b.w_layer},
                                           {DNNL_ARG_WEIGHTS_ITER, b.w_iter},
                                           {DNNL_ARG_BIAS, b.bias},
                                           {DNNL_ARG_DST_LAYER, b.dst}};
      if (ctx.training) {
        b.workspace = memory(b.fwd.workspace_desc(), ctx.engine);
        args[DNNL_ARG_WORKSPACE] = b.workspace;
      }
      step.forward.push_back(make_op<lstm_forward>(b.fwd, ctx.engine, std::move(args)));
      layer_src = b.dst;
      bound.push_back(std::move(b));
    }
    if (!ctx.training) return step;

    // Backward from the top layer down; each layer's input gradient is the
    // output gradient of the layer below.
    memory diff_dst = view(step.diff_dst, H);
    for (std::size_t k = levels_.size(); k-- > 0;) {
      auto& l = levels_[k];
      auto& b = bound[k];
      memory diff_layer_src;
      if (k > 0) {
        diff_layer_src = memory(seq(l.input), ctx.engine);
      } else if (diff_src) {
        if (diff_src->get_desc() != plain_desc({N, T, l.input})) {
          throw std::logic_error("nn: an LSTM writes its input gradient plain (N, T, C)");
        }
        diff_layer_src = view(*diff_src, l.input);
      } else {
        diff_layer_src = memory(seq(l.input), ctx.engine);  // asked for, then unused
      }
      const LevelDescs d{seq(l.input), l.input, H};
      const lstm_backward::primitive_desc bwd(d.backward(), ctx.attr, ctx.engine, b.fwd);
      auto& ops = step.backward;
      const memory w_layer = bwd.weights_layer_desc() == b.w_layer.get_desc()
                                 ? b.w_layer
                                 : weights(ctx, ops, user_weights(ctx, *l.w_ih, l.input, H, false),
                                           bwd.weights_layer_desc());
      const memory w_iter =
          bwd.weights_iter_desc() == b.w_iter.get_desc()
              ? b.w_iter
              : weights(ctx, ops, user_weights(ctx, *l.w_hh, H, H, false), bwd.weights_iter_desc());
      // oneDNN adds the weight gradients into these buffers: zero them first.
      const memory g_layer_user = user_weights(ctx, *l.w_ih, l.input, H, true);
      const memory g_iter_user = user_weights(ctx, *l.w_hh, H, H, true);
      const memory g_layer = bwd.diff_weights_layer_desc() == g_layer_user.get_desc()
                                 ? g_layer_user
                                 : memory(bwd.diff_weights_layer_desc(), ctx.engine);
      const memory g_iter = bwd.diff_weights_iter_desc() == g_iter_user.get_desc()
                                ? g_iter_user
                                : memory(bwd.diff_weights_iter_desc(), ctx.engine);
      const memory g_bias(d.bias, ctx.engine);
      for (const memory& m : {g_layer, g_iter, g_bias}) {
        Op zero;
        zero.kernel = [p = m.get_data_handle(), n = m.get_desc().get_size()] {
          std::memset(p, 0, n);
        };
        ops.push_back(std::move(zero));
      }
      ops.push_back(make_op<lstm_backward>(bwd, ctx.engine,
                                           {{DNNL_ARG_SRC_LAYER, b.src},
                                            {DNNL_ARG_WEIGHTS_LAYER, w_layer},
                                            {DNNL_ARG_WEIGHTS_ITER, w_iter},
                                            {DNNL_ARG_BIAS, b.bias},
                                            {DNNL_ARG_DST_LAYER, b.dst},
                                            {DNNL_ARG_WORKSPACE, b.workspace},
                                            {DNNL_ARG_DIFF_DST_LAYER, diff_dst},
                                            {DNNL_ARG_DIFF_SRC_LAYER, diff_layer_src},
                                            {DNNL_ARG_DIFF_WEIGHTS_LAYER, g_layer},
                                            {DNNL_ARG_DIFF_WEIGHTS_ITER, g_iter},
                                            {DNNL_ARG_DIFF_BIAS, g_bias}}));
      if (g_layer != g_layer_user) ops.push_back(make_reorder(ctx, g_layer, g_layer_user));
      if (g_iter != g_iter_user) ops.push_back(make_reorder(ctx, g_iter, g_iter_user));
      Op bias_grads;
      bias_grads.kernel = [n = static_cast<std::size_t>(4 * H),
                           from = static_cast<const float*>(g_bias.get_data_handle()),
                           x = l.b_ih->grad.data(), y = l.b_hh->grad.data()] {
        std::copy(from, from + n, x);
        std::copy(from, from + n, y);
      };
      ops.push_back(std::move(bias_grads));
      diff_dst = diff_layer_src;
    }
    return step;
  }

 private:
  struct Level {
    memory::dim input = 0;
    std::unique_ptr<Parameter> w_ih, w_hh, b_ih, b_hh;
  };

  /// One level's primitive descriptors: a (T, N, in) sequence in and a
  /// (T, N, hidden) one out, no iteration states (a zero start, nothing
  /// kept), the weights in the layout the primitive chooses, one bias. The
  /// backward's gradients are described like the values they belong to.
  struct LevelDescs {
    LevelDescs(const memory::desc& sequence_in, memory::dim in, memory::dim hidden)
        : src(sequence_in),
          dst({sequence_in.dims()[0], sequence_in.dims()[1], hidden}, f32, tag::ntc),
          layer({1, 1, in, 4, hidden}, f32, tag::any),
          iter({1, 1, hidden, 4, hidden}, f32, tag::any),
          bias({1, 1, 4, hidden}, f32, tag::ldgo) {}

    lstm_forward::desc forward(prop_kind prop) const {
      return {prop, kDirection, src, {}, {}, layer, iter, bias, dst, {}, {}};
    }
    lstm_backward::desc backward() const {
      return {prop_kind::backward,
              kDirection,
              src,
              {},
              {},
              layer,
              iter,
              bias,
              dst,
              {},
              {},
              src,
              {},
              {},
              layer,
              iter,
              bias,
              dst,
              {},
              {}};
    }

    memory::desc src, dst, layer, iter, bias;
  };
  static constexpr auto kDirection = rnn_direction::unidirectional_left2right;

  /// A torch (4H, in) weight, or its gradient, as oneDNN's ldgoi.
  static memory user_weights(const BindContext& ctx, Parameter& p, memory::dim in,
                             memory::dim hidden, bool grad) {
    return memory(memory::desc({1, 1, in, 4, hidden}, f32, tag::ldgoi), ctx.engine,
                  grad ? p.grad.data() : p.value.data());
  }

  /// The weights in the layout `want`: the user's memory when it already
  /// is, otherwise a copy refreshed by a reorder appended to `ops`.
  static memory weights(const BindContext& ctx, std::vector<Op>& ops, const memory& user,
                        const memory::desc& want) {
    if (user.get_desc() == want) return user;
    memory m(want, ctx.engine);
    ops.push_back(make_reorder(ctx, user, m));
    return m;
  }

  Dims out_shape_;
  std::vector<Level> levels_;
};

memory::dim lstm_layers(const LayerSite& site) {
  return site.given(1) ? site.count(1) : 1;
}

const LayerRegistrar lstm_word({
    .word = "lstm",
    .arguments = {{.name = "hidden", .shown = "HIDDEN"},
                  {.name = "layers", .shown = "LAYERS", .optional = true}},
    .shape =
        [](const LayerSite& site) {
          return lstm_shape(site.in, site.count(0), lstm_layers(site), site.name("lstm"));
        },
    .make =
        [](const LayerSite& site) {
          return make_lstm(site.in, site.count(0), lstm_layers(site), site.name("lstm"));
        },
    .order = 90,
});

}  // namespace

std::unique_ptr<Layer> make_lstm(const Dims& in, memory::dim hidden, memory::dim layers,
                                 const std::string& name) {
  return std::make_unique<Lstm>(in, hidden, layers, name);
}

}  // namespace nn
