// Fully connected network: flattened input, hidden layers with one
// activation, and an output layer scored by softmax cross-entropy
// (classification) or mean squared error (regression). The classic MNIST comparisons
// use 784-200-10 with ReLU.
#include <cmath>

#include "net_model.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::plugin_info(optbench::PluginKind::Model, "mlp", "1.0.0",
                               "multilayer perceptron, cross-entropy or mean squared error",
                               {{.name = "hidden",
                                 .type = optbench::ParamType::RealList,
                                 .default_value = std::vector<double>{200},
                                 .doc = "width of each hidden layer (whole numbers)",
                                 .min = 1.0},
                                {.name = "activation",
                                 .type = optbench::ParamType::String,
                                 .default_value = std::string("relu"),
                                 .doc = "nonlinearity after each hidden layer",
                                 .choices = {"relu", "tanh", "sigmoid"}}});
}

dnnl::algorithm activation(const std::string& name) {
  if (name == "tanh") return dnnl::algorithm::eltwise_tanh;
  if (name == "sigmoid") return dnnl::algorithm::eltwise_logistic;
  return dnnl::algorithm::eltwise_relu;
}

std::unique_ptr<optbench::Model> create(const optbench::ParamMap& given,
                                        const optbench::ModelContext& context) {
  const nn::ModelSetup setup(info(), given, context);
  auto net = nn::flat_network(setup.data, context.threads);
  const auto kind = activation(setup.params.string("activation"));
  int index = 1;
  for (double width : setup.params.reals("hidden")) {
    if (width != std::floor(width) || width > 1e7) {
      throw std::invalid_argument("mlp: hidden: expected whole numbers, got " +
                                  optbench::format_value(width));
    }
    net->dense(static_cast<nn::memory::dim>(width), "fc" + std::to_string(index++));
    net->activation(kind);
  }
  return nn::finish_with_head(std::move(net), "mlp", "fc" + std::to_string(index), setup.data,
                              context);
}

}  // namespace

OPTBENCH_MODEL_PLUGIN(info, create)
