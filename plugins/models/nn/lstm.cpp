#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "lstm_cell.hpp"

namespace nn {
namespace {

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

/// C = A B (+ C when `accumulate`), row-major, with op(A) and op(B) as
/// `ta` and `tb` say ('N' or 'T'); oneDNN's GEMM on the calling thread's
/// OpenMP threads.
void gemm(char ta, char tb, std::size_t m, std::size_t n, std::size_t k, const float* a,
          std::size_t lda, const float* b, std::size_t ldb, bool accumulate, float* c,
          std::size_t ldc) {
  const auto d = [](std::size_t x) { return static_cast<memory::dim>(x); };
  if (dnnl_sgemm(ta, tb, d(m), d(n), d(k), 1.0f, a, d(lda), b, d(ldb), accumulate ? 1.0f : 0.0f, c,
                 d(ldc)) != dnnl_success) {
    throw std::runtime_error("nn: oneDNN's GEMM failed in an LSTM layer");
  }
}

// A stack of LSTM layers. Each runs torch's recurrence on oneDNN's GEMM,
// with its element-wise work in lstm_cell.cpp: oneDNN 2.6's own LSTM
// primitive evaluates tanh from tables on AVX2, which took a fifth of its
// time there.
//
// Tensors are kept in torch's layout and order (weight_ih (4H, C) and
// weight_hh (4H, H) row-major, gates i, f, g, o, two biases, a zero initial
// state as nn.LSTM without (h0, c0)). Activations stay in the (N, T, .)
// order of the layer's input and output: a time step's rows are a strided
// matrix, which the GEMM takes as it is.
//
// Forward, per level: the input products of all steps in one GEMM, then per
// step the recurrent product added to that step's gates and the cell.
// Backward: per step, from the last, the cell's gradient and the recurrent
// gradient of the step before (one GEMM); then the weight, bias and input
// gradients of all steps in one GEMM each.
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
    if (diff_src && diff_src->get_desc() != plain_desc({N, T, levels_[0].input})) {
      throw std::logic_error("nn: an LSTM writes its input gradient plain (N, T, C)");
    }
    Step step;
    step.dst = memory(plain_desc({N, T, H}), ctx.engine);
    if (ctx.training) step.diff_dst = memory(plain_desc({N, T, H}), ctx.engine);

    // Each level's buffers, shared by its forward and backward kernels.
    std::vector<std::shared_ptr<Run>> runs;
    const float* x = static_cast<const float*>(src.get_data_handle());
    for (std::size_t k = 0; k < levels_.size(); ++k) {
      const bool last = k + 1 == levels_.size();
      auto r = std::make_shared<Run>(levels_[k], static_cast<std::size_t>(N),
                                     static_cast<std::size_t>(T), static_cast<std::size_t>(H),
                                     ctx.training);
      r->x = x;
      if (!last) r->own_y.resize(r->rows() * r->hidden);
      r->y = last ? static_cast<float*>(step.dst.get_data_handle()) : r->own_y.data();
      Op forward;
      forward.kernel = [r] { r->forward(); };
      step.forward.push_back(std::move(forward));
      x = r->y;
      runs.push_back(std::move(r));
    }
    if (!ctx.training) return step;

    // Backward from the top level down: each level's input gradient is the
    // output gradient of the level below.
    const float* dy = static_cast<const float*>(step.diff_dst.get_data_handle());
    for (std::size_t k = runs.size(); k-- > 0;) {
      Run& r = *runs[k];
      r.dy = dy;
      if (k > 0) {
        r.own_dx.resize(r.rows() * r.input);
        r.dx = r.own_dx.data();
      } else {
        r.dx = diff_src ? static_cast<float*>(diff_src->get_data_handle()) : nullptr;
      }
      Op backward;
      backward.kernel = [run = runs[k]] { run->backward(); };
      step.backward.push_back(std::move(backward));
      dy = r.dx;
    }
    return step;
  }

 private:
  struct Level {
    memory::dim input = 0;
    std::unique_ptr<Parameter> w_ih, w_hh, b_ih, b_hh;
  };

  /// One level bound to a batch: its inputs, outputs and work buffers.
  struct Run {
    Run(Level& l, std::size_t n, std::size_t t, std::size_t h, bool training)
        : level(l),
          batch(n),
          steps(t),
          input(static_cast<std::size_t>(l.input)),
          hidden(h),
          gates(n * t * 4 * h),
          c(n * t * h),
          tanh_c(n * t * h),
          bias(4 * h) {
      if (training) {
        dgates.resize(gates.size());
        h_prev.resize(c.size());
        dh_next.resize(n * h);
        dc.resize(n * h);
        ones.assign(n * t, 1.0f);
      }
    }

    std::size_t rows() const { return batch * steps; }

    /// Step t's rows: sample n's at n * T * width + t * width.
    LstmRows at(std::size_t t) {
      const std::size_t G = 4 * hidden;
      LstmRows s;
      s.rows = batch;
      s.hidden = hidden;
      s.gates = gates.data() + t * G;
      s.gates_stride = steps * G;
      s.c_prev = t > 0 ? c.data() + (t - 1) * hidden : nullptr;
      s.c_prev_stride = steps * hidden;
      s.c = c.data() + t * hidden;
      s.tanh_c = tanh_c.data() + t * hidden;
      s.c_stride = steps * hidden;
      s.h = y + t * hidden;
      s.h_stride = steps * hidden;
      return s;
    }

    void forward() {
      const std::size_t G = 4 * hidden;
      const float* b_ih = level.b_ih->value.data();
      const float* b_hh = level.b_hh->value.data();
      for (std::size_t i = 0; i < G; ++i)
        bias[i] = b_ih[i] + b_hh[i];
      // Every step's input product: (N T, C) x (C, 4H).
      gemm('N', 'T', rows(), G, input, x, input, level.w_ih->value.data(), input, false,
           gates.data(), G);
      for (std::size_t t = 0; t < steps; ++t) {
        if (t > 0) {
          // The recurrent product, h_{t-1} (N, H) x (H, 4H), added to the gates.
          gemm('N', 'T', batch, G, hidden, y + (t - 1) * hidden, steps * hidden,
               level.w_hh->value.data(), hidden, true, gates.data() + t * G, steps * G);
        }
        lstm_forward_rows(at(t), bias.data());
      }
    }

    void backward() {
      const std::size_t G = 4 * hidden;
      std::fill(dc.begin(), dc.end(), 0.0f);
      for (std::size_t t = steps; t-- > 0;) {
        lstm_backward_rows(at(t), dy + t * hidden, t + 1 < steps ? dh_next.data() : nullptr,
                           dc.data(), dgates.data() + t * G, steps * G);
        if (t > 0) {
          // The step before's recurrent gradient: dgates_t (N, 4H) x W_hh (4H, H).
          gemm('N', 'N', batch, hidden, G, dgates.data() + t * G, steps * G,
               level.w_hh->value.data(), hidden, false, dh_next.data(), hidden);
        }
      }
      // Every step's h_{t-1}, zero before the first, for W_hh's gradient.
      for (std::size_t n = 0; n < batch; ++n) {
        float* row = h_prev.data() + n * steps * hidden;
        std::fill(row, row + hidden, 0.0f);
        std::copy(y + n * steps * hidden, y + (n * steps + steps - 1) * hidden, row + hidden);
      }
      gemm('T', 'N', G, input, rows(), dgates.data(), G, x, input, false, level.w_ih->grad.data(),
           input);
      gemm('T', 'N', G, hidden, rows(), dgates.data(), G, h_prev.data(), hidden, false,
           level.w_hh->grad.data(), hidden);
      // Both biases get the gates' gradient summed over samples and steps.
      gemm('N', 'N', 1, G, rows(), ones.data(), rows(), dgates.data(), G, false,
           level.b_ih->grad.data(), G);
      std::copy(level.b_ih->grad.begin(), level.b_ih->grad.end(), level.b_hh->grad.begin());
      if (dx) {
        gemm('N', 'N', rows(), input, G, dgates.data(), G, level.w_ih->value.data(), input, false,
             dx, input);
      }
    }

    Level& level;
    std::size_t batch, steps, input, hidden;
    const float* x = nullptr;  ///< (N, T, C)
    float* y = nullptr;        ///< (N, T, H)
    const float* dy = nullptr;
    float* dx = nullptr;  ///< null when no one needs the input gradient
    std::vector<float> gates, c, tanh_c, bias;
    std::vector<float> dgates, h_prev, dh_next, dc, ones;
    std::vector<float> own_y, own_dx;  ///< a lower level's output and its gradient
  };

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
