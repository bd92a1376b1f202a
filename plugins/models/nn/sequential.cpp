// A network written in the experiment file as a list of layers, in the
// spirit of torch's nn.Sequential:
//   model: {name: sequential, layers: "conv 32 5, batchnorm, relu, maxpool 2, linear 10"}
// or, the same network, layers: [conv: {out: 32, kernel: 5}, batchnorm, relu, maxpool: 2,
// linear: 10] (layer_list.hpp).
// The input is the dataset's sample shape; the loss follows its task, so
// the last layer must give one value per class (cross-entropy) or per
// target (mean squared error). Layers are numbered in their kind as the
// mlp and cnn plugins name them (fc1, conv1, bn1), so the mlp and cnn
// written as a list train bit-identically to those plugins.
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "layer_list.hpp"
#include "net_model.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::plugin_info(
      optbench::PluginKind::Model, "sequential", "1.0.0",
      "a network given as a list of layers (docs/models.md)",
      {{.name = "layers",
        .type = optbench::ParamType::String,
        .default_value = std::string(),
        .doc = "the layers, as text (\"conv 32 5, relu, linear 10\") or a YAML list "
               "([conv: {out: 32, kernel: 5}, relu, linear: 10]): linear [N] (alone: the "
               "data's width), "
               "conv OUT K, maxpool K, avgpool K, relu, tanh, sigmoid, gelu, "
               "batchnorm, dropout P, flatten, embedding DIM, lstm HIDDEN [LAYERS]",
        .required = true},
       {.name = "input",
        .type = optbench::ParamType::RealList,
        // Lists cannot be empty: [0] stands for "not declared".
        .default_value = std::vector<double>{0},
        .doc = "the sample shape the layers are written for, e.g. [1, 28, 28], "
               "refused when the dataset's differs; [0]: not checked",
        .min = 0.0}});
}

std::string shape_text(const nn::Dims& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i)
    s += (i ? ", " : "") + std::to_string(d[i]);
  return s + ")";
}

/// The layer's numbers: exactly `n`, each a whole number >= 1 unless
/// `fraction` (dropout's probability).
std::vector<nn::memory::dim> counts(const nn::LayerEntry& layer, std::size_t index, std::size_t n,
                                    const std::string& meaning) {
  const auto fail = [&] {
    throw std::invalid_argument("sequential: layers[" + std::to_string(index) + "] '" + layer.text +
                                "': expected " + meaning);
  };
  if (layer.args.size() != n) fail();
  std::vector<nn::memory::dim> out;
  for (double x : layer.args) {
    if (x < 1 || x > 1e7 || x != std::floor(x)) fail();
    out.push_back(static_cast<nn::memory::dim>(x));
  }
  return out;
}

std::unique_ptr<optbench::Model> create(const optbench::ParamMap& given,
                                        const optbench::ModelContext& context) {
  const auto about = info();
  const auto resolved = optbench::resolve_params(about.name, about.schema, given);
  const optbench::Params params(resolved);
  const auto& data = nn::require_data(about.name, context);
  const auto layers = nn::parse_layer_list(params.string("layers"));
  nn::Dims input;
  for (auto x : data.sample_shape)
    input.push_back(static_cast<nn::memory::dim>(x));
  if (const auto& declared = params.reals("input"); declared != std::vector<double>{0}) {
    nn::Dims want;
    for (double x : declared) {
      if (x < 1 || x != std::floor(x) || x > 1e9) {
        throw std::invalid_argument("sequential: input: expected whole numbers, got " +
                                    optbench::format_value(x));
      }
      want.push_back(static_cast<nn::memory::dim>(x));
    }
    if (want != input) {
      throw std::invalid_argument(
          "sequential: input " + shape_text(want) + " was declared, but the dataset gives " +
          shape_text(input) + " per sample" +
          (input.size() == 1 && want.size() == 3 ? " (set the dataset's flatten: false)" : ""));
    }
  }
  auto net = std::make_unique<nn::Network>(input, context.threads);
  int fc = 0, conv = 0, bn = 0, emb = 0, lstm = 0;
  const bool classify = data.task == optbench::Task::Classification;
  // `linear` without a width is as wide as the data's target: one logit
  // per class (of each step, for sequences), or one value per target; the
  // head, or the layer before a final activation.
  const auto head_width = [&](const nn::Dims& in) {
    if (!classify && in.size() == 2) return static_cast<nn::memory::dim>(data.target_size) / in[0];
    return static_cast<nn::memory::dim>(classify ? data.classes : data.target_size);
  };
  const auto width = [&](const nn::LayerEntry& l, std::size_t i, const nn::Dims& in) {
    if (l.args.empty()) return head_width(in);
    return counts(l, i, 1, "linear N, or linear alone for the data's width")[0];
  };
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const nn::Dims in = net->shape();
    try {
      if (l.kind == "linear" && in.size() == 2) {
        // On a (T, F) sequence, nn.Linear acts on each step.
        net->add(nn::make_token_dense(in, width(l, i, in), "fc" + std::to_string(++fc)));
      } else if (l.kind == "linear") {
        net->dense(width(l, i, in), "fc" + std::to_string(++fc));
      } else if (l.kind == "conv") {
        const auto a = counts(l, i, 2, "conv OUT K");
        net->conv2d(a[0], a[1], "conv" + std::to_string(++conv));
      } else if (l.kind == "maxpool") {
        net->max_pool(counts(l, i, 1, "maxpool K")[0]);
      } else if (l.kind == "avgpool") {
        net->add(nn::make_avg_pool2d(in, counts(l, i, 1, "avgpool K")[0]));
      } else if (l.kind == "relu" || l.kind == "tanh" || l.kind == "sigmoid" || l.kind == "gelu") {
        counts(l, i, 0, l.kind + " with no numbers");
        net->activation(l.kind == "relu"      ? dnnl::algorithm::eltwise_relu
                        : l.kind == "tanh"    ? dnnl::algorithm::eltwise_tanh
                        : l.kind == "sigmoid" ? dnnl::algorithm::eltwise_logistic
                                              : dnnl::algorithm::eltwise_gelu_erf);
      } else if (l.kind == "batchnorm") {
        counts(l, i, 0, "batchnorm with no numbers");
        net->add(nn::make_batch_norm(in, "bn" + std::to_string(++bn)));
      } else if (l.kind == "dropout") {
        if (l.args.size() != 1 || !(l.args[0] >= 0 && l.args[0] < 1)) {
          throw std::invalid_argument("sequential: layers[" + std::to_string(i) + "] '" + l.text +
                                      "': expected dropout P with P in [0, 1)");
        }
        // Each dropout its own stream, apart from the weights' draws.
        net->add(nn::make_dropout(in, static_cast<float>(l.args[0]),
                                  context.seed ^ (0xd509ULL + 0x9e3779b97f4a7c15ULL * (i + 1))));
      } else if (l.kind == "embedding") {
        // The vocabulary is the data's: token ids and classes share it.
        if (i != 0) {
          throw std::invalid_argument("sequential: layers[" + std::to_string(i) + "] '" + l.text +
                                      "': embedding must be the first layer");
        }
        net->add(nn::make_embedding(in, static_cast<nn::memory::dim>(data.classes),
                                    counts(l, i, 1, "embedding DIM")[0],
                                    "emb" + std::to_string(++emb)));
      } else if (l.kind == "lstm") {
        const auto a = l.args.size() == 1 ? counts(l, i, 1, "lstm HIDDEN [LAYERS]")
                                          : counts(l, i, 2, "lstm HIDDEN [LAYERS]");
        net->add(nn::make_lstm(in, a[0], a.size() > 1 ? a[1] : 1, "lstm" + std::to_string(++lstm)));
      } else if (l.kind == "flatten") {
        // linear flattens its input in (C, H, W) order itself, as
        // torch.flatten does; flatten only says so in the list.
        counts(l, i, 0, "flatten with no numbers");
        if (i + 1 >= layers.size() || layers[i + 1].kind != "linear") {
          throw std::invalid_argument("sequential: layers[" + std::to_string(i) +
                                      "] 'flatten': must be followed by linear");
        }
      } else {
        throw std::invalid_argument("sequential: layers[" + std::to_string(i) + "] '" + l.text +
                                    "': unknown layer; expected one of " + nn::layer_kinds());
      }
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      if (what.rfind("sequential:", 0) == 0) throw;
      throw std::invalid_argument("sequential: layers[" + std::to_string(i) + "] '" + l.text +
                                  "' cannot take an input of shape " + shape_text(in) + ": " +
                                  what);
    }
  }
  // A classifier with several targets per sample (the next character at
  // each step) needs one row of logits per target.
  const auto steps = static_cast<nn::memory::dim>(data.target_size);
  const nn::Dims want = !classify   ? nn::Dims{steps}
                        : steps > 1 ? nn::Dims{steps, static_cast<nn::memory::dim>(data.classes)}
                                    : nn::Dims{static_cast<nn::memory::dim>(data.classes)};
  if (net->shape() != want) {
    throw std::invalid_argument("sequential: the last layer gives " + shape_text(net->shape()) +
                                " per sample; the dataset needs " + shape_text(want) +
                                (!classify   ? " (one value per target)"
                                 : steps > 1 ? " (one row of logits per step)"
                                             : " (one logit per class)"));
  }
  net->finish(classify ? nn::Loss::CrossEntropy : nn::Loss::MeanSquared, context.max_batch);
  optbench::Rng rng(context.seed);
  net->init_torch(rng);
  return std::make_unique<nn::NetModel>(std::move(net));
}

}  // namespace

OPTBENCH_MODEL_PLUGIN(info, create)
