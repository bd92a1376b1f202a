// Linear regression y = Xw + b with the mean squared error, on oneDNN's inner
// product. "normal" reproduces the classic optimizer lab's Linear op (W ~ N(0, 1), b = 0).
#include "net_model.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::plugin_info(
      optbench::PluginKind::Model, "linear", "1.0.0",
      "linear regression y = Xw + b, mean squared error",
      {{.name = "init",
        .type = optbench::ParamType::String,
        .default_value = std::string("torch"),
        .doc = "torch: W, b ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as nn.Linear; "
               "normal: W ~ N(0, 1), b = 0",
        .choices = {"torch", "normal"}}});
}

std::unique_ptr<optbench::Model> create(const optbench::ParamMap& given,
                                        const optbench::ModelContext& context) {
  const nn::ModelSetup setup(info(), given, context);
  const auto& data = setup.data;
  if (data.task != optbench::Task::Regression) {
    throw std::invalid_argument("linear: needs a regression dataset (use mlp for classification)");
  }
  auto net = nn::flat_network(data, context.threads);
  net->dense(static_cast<nn::memory::dim>(data.target_size), "linear");
  net->finish(nn::Loss::MeanSquared, context.max_batch);
  optbench::Rng rng(context.seed);
  if (setup.params.string("init") == "normal") {
    auto* weight = net->parameters()[0];
    for (auto& v : weight->value)
      v = static_cast<float>(rng.normal());
  } else {
    net->init_torch(rng);
  }
  return std::make_unique<nn::NetModel>(std::move(net));
}

}  // namespace

OPTBENCH_MODEL_PLUGIN(info, create)
