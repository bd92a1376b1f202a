#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"

namespace nn {
namespace {

/// (T) -> (T, dim); throws naming the layer for any other input.
Dims embedding_shape(const Dims& in, memory::dim vocab, memory::dim dim, const std::string& name) {
  if (in.size() != 1) {
    throw std::invalid_argument("nn: " + name + " needs a (T) sequence of token ids");
  }
  if (vocab < 1 || dim < 1) throw std::invalid_argument("nn: " + name + " needs a vocabulary");
  return {in[0], dim};
}

// (T) token ids stored as floats -> (T, dim), as nn.Embedding(vocab, dim):
// row id of the weight for each token. oneDNN 2.6 has no gather primitive;
// forward is one row copy per token and backward adds each token's gradient
// into its row, so it runs on plain loops. As the first layer of a network
// it passes no gradient back (token ids have none).
class Embedding final : public Layer {
 public:
  Embedding(const Dims& in, memory::dim vocab, memory::dim dim, const std::string& name)
      : out_shape_(embedding_shape(in, vocab, dim, name)),
        weight_(make_parameter(name + ".weight", {vocab, dim}, 1, ParamKind::Trainable,
                               Init::StandardNormal)) {}

  const Dims& output_shape() const override { return out_shape_; }
  std::vector<Parameter*> parameters() override { return {weight_.get()}; }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto tokens = static_cast<std::size_t>(ctx.batch * out_shape_[0]);
    const auto dim = static_cast<std::size_t>(out_shape_[1]);
    const auto vocab = static_cast<std::size_t>(weight_->dims[0]);
    const auto md = plain_desc(with_batch(ctx.batch, out_shape_));
    Step step;
    step.dst = memory(md, ctx.engine);
    Op forward;
    forward.kernel = [tokens, dim, vocab, ids = static_cast<const float*>(src.get_data_handle()),
                      w = weight_->value.data(),
                      out = static_cast<float*>(step.dst.get_data_handle())] {
      for (std::size_t t = 0; t < tokens; ++t) {
        const float id = ids[t];
        if (!(id >= 0.0f && id < static_cast<float>(vocab)) || id != std::floor(id)) {
          throw std::invalid_argument("nn: token id " + std::to_string(id) + " is not in [0, " +
                                      std::to_string(vocab) + ")");
        }
        std::copy_n(w + static_cast<std::size_t>(id) * dim, dim, out + t * dim);
      }
    };
    step.forward.push_back(std::move(forward));
    if (!ctx.training) return step;

    step.diff_dst = memory(md, ctx.engine);
    Op backward;
    backward.kernel = [tokens, dim, ids = static_cast<const float*>(src.get_data_handle()),
                       g = weight_->grad.data(), n = weight_->grad.size(),
                       d = static_cast<const float*>(step.diff_dst.get_data_handle())] {
      std::fill(g, g + n, 0.0f);
      for (std::size_t t = 0; t < tokens; ++t) {
        float* row = g + static_cast<std::size_t>(ids[t]) * dim;
        for (std::size_t j = 0; j < dim; ++j)
          row[j] += d[t * dim + j];
      }
    };
    step.backward.push_back(std::move(backward));
    if (diff_src) {
      // Token ids have no gradient; a caller that asks for one gets zeros.
      Op zero;
      zero.kernel = [p = static_cast<float*>(diff_src->get_data_handle()),
                     n = diff_src->get_desc().get_size() / sizeof(float)] {
        std::fill(p, p + n, 0.0f);
      };
      step.backward.push_back(std::move(zero));
    }
    return step;
  }

 private:
  Dims out_shape_;
  std::unique_ptr<Parameter> weight_;
};

// The vocabulary is the data's: token ids and classes share it.
memory::dim vocabulary(const LayerSite& site) {
  return static_cast<memory::dim>(site.data.classes);
}

const LayerRegistrar embedding_word({
    .word = "embedding",
    .arguments = {{.name = "dim", .shown = "DIM"}},
    .shape =
        [](const LayerSite& site) {
          if (site.index != 0) site.refuse("embedding must be the first layer");
          return embedding_shape(site.in, vocabulary(site), site.count(0), site.name("emb"));
        },
    .make =
        [](const LayerSite& site) {
          return make_embedding(site.in, vocabulary(site), site.count(0), site.name("emb"));
        },
    .order = 80,
});

}  // namespace

std::unique_ptr<Layer> make_embedding(const Dims& in, memory::dim vocab, memory::dim dim,
                                      const std::string& name) {
  return std::make_unique<Embedding>(in, vocab, dim, name);
}

}  // namespace nn
