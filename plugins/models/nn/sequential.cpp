// A network written in the experiment file as a list of layers, in the
// spirit of torch's nn.Sequential:
//   model: {name: sequential, layers: "conv 32 5, batchnorm, relu, maxpool 2, linear 10"}
// or, the same network, layers: [conv: {out: 32, kernel: 5}, batchnorm, relu, maxpool: 2,
// linear: 10] (layer_list.hpp), in the words the layer files register
// (layer_registry.hpp).
// The input is the dataset's sample shape; the loss follows its task, so
// the last layer must give one value per class (cross-entropy) or per
// target (mean squared error). Layers are numbered in their kind as the
// mlp and cnn plugins name them (fc1, conv1, bn1), so the mlp and cnn
// written as a list train bit-identically to those plugins.
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "layer_list.hpp"
#include "layer_registry.hpp"
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
               "([conv: {out: 32, kernel: 5}, relu, linear: 10]): " +
               nn::layer_usages(),
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

/// Runs one step for layer `i` of `layers`, whose input is `in`, and puts
/// the layer's place in front of any refusal: its position and text, and
/// for a shape it cannot follow, that shape.
template <class Body>
void at_layer(const std::vector<nn::LayerEntry>& layers, std::size_t i, const nn::Dims& in,
              Body body) {
  const std::string place =
      "sequential: layers[" + std::to_string(i) + "] '" + layers[i].text + "'";
  try {
    body();
  } catch (const nn::LayerListError& e) {
    throw std::invalid_argument(place + ": " + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(place + " cannot take an input of shape " + shape_text(in) + ": " +
                                e.what());
  }
}

/// The per-sample shape after each layer, by the words' shape rules: the
/// whole list is checked before any tensor is allocated.
std::vector<nn::Dims> shapes_of(const std::vector<nn::LayerEntry>& layers, const nn::Dims& input,
                                const optbench::DatasetInfo& data, std::uint64_t seed) {
  std::vector<nn::Dims> out;
  std::map<std::string, int> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const nn::Dims in = out.empty() ? input : out.back();
    at_layer(layers, i, in, [&] {
      const nn::LayerSite site(layers, i, in, data, seed, names);
      auto shape = site.kind().shape(site);
      out.push_back(std::move(shape));
    });
  }
  return out;
}

/// Adds every layer to `net`; each must give the shape its rule promised.
void build(nn::Network& net, const std::vector<nn::LayerEntry>& layers,
           const std::vector<nn::Dims>& shapes, const optbench::DatasetInfo& data,
           std::uint64_t seed) {
  std::map<std::string, int> names;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const nn::Dims in = net.shape();
    at_layer(layers, i, in, [&] {
      const nn::LayerSite site(layers, i, in, data, seed, names);
      if (auto layer = site.kind().make(site)) net.add(std::move(layer));
    });
    if (net.shape() != shapes[i]) {
      throw std::logic_error("sequential: layers[" + std::to_string(i) + "] '" + layers[i].text +
                             "' gives " + shape_text(net.shape()) + ", but its shape rule said " +
                             shape_text(shapes[i]));
    }
  }
}

std::unique_ptr<optbench::Model> create(const optbench::ParamMap& given,
                                        const optbench::ModelContext& context) {
  const nn::ModelSetup setup(info(), given, context);
  const auto& data = setup.data;
  const auto& params = setup.params;
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
  const auto shapes = shapes_of(layers, input, data, context.seed);
  // A classifier with several targets per sample (the next character at
  // each step) needs one row of logits per target.
  const bool classify = data.task == optbench::Task::Classification;
  const auto steps = static_cast<nn::memory::dim>(data.target_size);
  const nn::Dims want = !classify   ? nn::Dims{steps}
                        : steps > 1 ? nn::Dims{steps, static_cast<nn::memory::dim>(data.classes)}
                                    : nn::Dims{static_cast<nn::memory::dim>(data.classes)};
  if (shapes.back() != want) {
    throw std::invalid_argument("sequential: the last layer gives " + shape_text(shapes.back()) +
                                " per sample; the dataset needs " + shape_text(want) +
                                (!classify   ? " (one value per target)"
                                 : steps > 1 ? " (one row of logits per step)"
                                             : " (one logit per class)"));
  }
  build(*net, layers, shapes, data, context.seed);
  net->finish(classify ? nn::Loss::CrossEntropy : nn::Loss::MeanSquared, context.max_batch);
  optbench::Rng rng(context.seed);
  net->init_torch(rng);
  return std::make_unique<nn::NetModel>(std::move(net));
}

}  // namespace

OPTBENCH_MODEL_PLUGIN(info, create)
