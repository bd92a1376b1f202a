// A network written in the experiment file as a list of layers, in the
// spirit of torch's nn.Sequential:
//   model: {name: sequential, layers: "conv 32 5, batchnorm, relu, maxpool 2, linear 10"}
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

#include "net_model.hpp"

namespace {

optbench::PluginInfo info() {
  optbench::PluginInfo info;
  info.kind = optbench::PluginKind::Model;
  info.name = "sequential";
  info.version = "1.0.0";
  info.description = "a network given as a comma-separated list of layers (docs/models.md)";
  info.schema = {{.name = "layers",
                  .type = optbench::ParamType::String,
                  .default_value = std::string(),
                  .doc = "comma-separated layers: linear N, conv OUT K, maxpool K, avgpool K, "
                         "relu, tanh, sigmoid, gelu, batchnorm, dropout P, flatten",
                  .required = true}};
  return info;
}

std::string shape_text(const nn::Dims& d) {
  std::string s = "(";
  for (std::size_t i = 0; i < d.size(); ++i)
    s += (i ? ", " : "") + std::to_string(d[i]);
  return s + ")";
}

struct LayerText {
  std::string kind;
  std::vector<double> args;
  std::string text;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n");
  if (b == std::string::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\n") - b + 1);
}

std::vector<LayerText> parse(const std::string& list) {
  std::vector<LayerText> out;
  std::stringstream items(list);
  std::string item;
  while (std::getline(items, item, ',')) {
    LayerText layer;
    layer.text = trim(item);
    std::stringstream words(layer.text);
    words >> layer.kind;
    std::string word;
    while (words >> word) {
      std::size_t used = 0;
      double x = 0;
      try {
        x = std::stod(word, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != word.size() || !std::isfinite(x)) {
        throw std::invalid_argument("sequential: layers[" + std::to_string(out.size()) + "] '" +
                                    layer.text + "': expected a number, got '" + word + "'");
      }
      layer.args.push_back(x);
    }
    if (layer.kind.empty()) {
      throw std::invalid_argument("sequential: layers[" + std::to_string(out.size()) +
                                  "] is empty");
    }
    out.push_back(std::move(layer));
  }
  if (out.empty()) throw std::invalid_argument("sequential: layers: expected at least one layer");
  return out;
}

/// The layer's numbers: exactly `n`, each a whole number >= 1 unless
/// `fraction` (dropout's probability).
std::vector<nn::memory::dim> counts(const LayerText& layer, std::size_t index, std::size_t n,
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
  const auto layers = parse(params.string("layers"));
  nn::Dims input;
  for (auto x : data.sample_shape)
    input.push_back(static_cast<nn::memory::dim>(x));
  auto net = std::make_unique<nn::Network>(input, context.threads);
  int fc = 0, conv = 0, bn = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const nn::Dims in = net->shape();
    try {
      if (l.kind == "linear") {
        net->dense(counts(l, i, 1, "linear N")[0], "fc" + std::to_string(++fc));
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
      } else if (l.kind == "flatten") {
        // linear flattens its input in (C, H, W) order itself, as
        // torch.flatten does; flatten only says so in the list.
        counts(l, i, 0, "flatten with no numbers");
        if (i + 1 >= layers.size() || layers[i + 1].kind != "linear") {
          throw std::invalid_argument("sequential: layers[" + std::to_string(i) +
                                      "] 'flatten': must be followed by linear");
        }
      } else {
        throw std::invalid_argument(
            "sequential: layers[" + std::to_string(i) + "] '" + l.text +
            "': unknown layer; expected one of linear, conv, maxpool, avgpool, relu, tanh, "
            "sigmoid, gelu, batchnorm, dropout, flatten");
      }
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      if (what.rfind("sequential:", 0) == 0) throw;
      throw std::invalid_argument("sequential: layers[" + std::to_string(i) + "] '" + l.text +
                                  "' cannot take an input of shape " + shape_text(in) + ": " +
                                  what);
    }
  }
  const bool classify = data.task == optbench::Task::Classification;
  const auto want = static_cast<nn::memory::dim>(classify ? data.classes : data.target_size);
  if (net->shape() != nn::Dims{want}) {
    throw std::invalid_argument("sequential: the last layer gives " + shape_text(net->shape()) +
                                " per sample; the dataset needs " + shape_text({want}) +
                                (classify ? " (one logit per class)" : " (one value per target)"));
  }
  net->finish(classify ? nn::Loss::CrossEntropy : nn::Loss::MeanSquared, context.max_batch);
  optbench::Rng rng(context.seed);
  net->init_torch(rng);
  return std::make_unique<nn::NetModel>(std::move(net));
}

}  // namespace

OPTBENCH_MODEL_PLUGIN(info, create)
