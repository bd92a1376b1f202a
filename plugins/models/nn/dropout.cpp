#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "optbench/random.hpp"

namespace nn {
namespace {

// Any shape -> same shape, as nn.Dropout(p): in train mode each value is
// kept with probability 1 - p and scaled by 1 / (1 - p), zeroed otherwise;
// in eval mode it passes unchanged. The masks draw from a stream seeded by
// the run's seed, so a run repeats bit for bit (torch's own masks come from
// its generator and cannot be matched). oneDNN 2.6 has no dropout primitive:
// this is one multiply per value, over the memory whatever its layout
// (channel padding holds zeros and stays zero).
class Dropout final : public Layer {
 public:
  Dropout(const Dims& in, float p, std::uint64_t seed) : shape_(in), p_(p), rng_(seed) {
    if (!(p >= 0.0f && p < 1.0f)) {
      throw std::invalid_argument("nn: dropout probability must be in [0, 1), got " +
                                  std::to_string(p));
    }
  }

  const Dims& output_shape() const override { return shape_; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto md = src.get_desc();
    const std::size_t n = md.get_size() / sizeof(float);
    const bool drops = ctx.train_mode && p_ > 0.0f;
    Step step;
    step.dst = memory(md, ctx.engine);
    const auto* from = static_cast<const float*>(src.get_data_handle());
    auto* to = static_cast<float*>(step.dst.get_data_handle());
    // One mask per plan, so an evaluation between a forward and its
    // backward cannot change the mask the backward applies.
    auto mask = std::make_shared<std::vector<float>>(drops ? n : 0);
    Op forward;
    if (drops) {
      forward.kernel = [this, n, from, to, mask] {
        const float keep_scale = 1.0f / (1.0f - p_);
        float* m = mask->data();
        for (std::size_t i = 0; i < n; ++i)
          m[i] = rng_.uniform() < static_cast<double>(p_) ? 0.0f : keep_scale;
        for (std::size_t i = 0; i < n; ++i)
          to[i] = from[i] * m[i];
      };
    } else {
      forward.kernel = [n, from, to] { std::copy(from, from + n, to); };
    }
    step.forward.push_back(std::move(forward));
    if (!ctx.training) return step;

    step.diff_dst = memory(md, ctx.engine);
    if (diff_src) {
      const memory out = diff_src->get_desc() == md ? *diff_src : memory(md, ctx.engine);
      Op backward;
      backward.kernel = [n, drops, mask,
                         g = static_cast<const float*>(step.diff_dst.get_data_handle()),
                         d = static_cast<float*>(out.get_data_handle())] {
        if (drops) {
          const float* m = mask->data();
          for (std::size_t i = 0; i < n; ++i)
            d[i] = g[i] * m[i];
        } else {
          std::copy(g, g + n, d);
        }
      };
      step.backward.push_back(std::move(backward));
      if (out != *diff_src) step.backward.push_back(make_reorder(ctx, out, *diff_src));
    }
    return step;
  }

 private:
  Dims shape_;
  float p_;
  optbench::Rng rng_;
};

const LayerRegistrar dropout_word({
    .word = "dropout",
    .arguments = {{.name = "p", .shown = "P", .kind = LayerArgument::Kind::Probability}},
    .shape = [](const LayerSite& site) { return site.in; },
    .make =
        [](const LayerSite& site) {
          // Each dropout its own stream, apart from the weights' draws.
          return make_dropout(site.in, static_cast<float>(site.number(0)),
                              site.seed ^ (0xd509ULL + 0x9e3779b97f4a7c15ULL * (site.index + 1)));
        },
    .order = 60,
});

}  // namespace

std::unique_ptr<Layer> make_dropout(const Dims& in, float p, std::uint64_t seed) {
  return std::make_unique<Dropout>(in, p, seed);
}

}  // namespace nn
