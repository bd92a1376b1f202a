// The classic optimizer lab's convolutional net: conv5x5(32) -> maxpool2 -> ReLU ->
// conv5x5(64) -> maxpool2 -> ReLU -> flatten -> fc(512) -> ReLU -> fc(classes),
// with shapes derived from the dataset's (C, H, W) samples (1x28x28 gives the
// lab's 64*4*4 = 1024 features).
#include "net_model.hpp"

namespace {

optbench::PluginInfo info() {
  return optbench::plugin_info(
      optbench::PluginKind::Model, "cnn", "1.0.0",
      "two conv/pool/ReLU blocks and two dense layers (the classic optimizer lab's CNN)");
}

std::unique_ptr<optbench::Model> create(const optbench::ParamMap& given,
                                        const optbench::ModelContext& context) {
  const nn::ModelSetup setup(info(), given, context);
  const auto& data = setup.data;
  if (data.sample_shape.size() != 3) {
    throw std::invalid_argument("cnn: needs image samples shaped (channels, height, width), got " +
                                std::to_string(data.sample_shape.size()) +
                                "-D samples; set the dataset's flatten: false");
  }
  nn::Dims shape;
  for (auto x : data.sample_shape)
    shape.push_back(static_cast<nn::memory::dim>(x));
  // Both conv/pool blocks must leave at least one pixel.
  if (shape[1] < 16 || shape[2] < 16) {
    throw std::invalid_argument("cnn: images must be at least 16x16, got " +
                                std::to_string(shape[1]) + "x" + std::to_string(shape[2]));
  }
  auto net = std::make_unique<nn::Network>(shape, context.threads);
  const auto relu = dnnl::algorithm::eltwise_relu;
  net->conv2d(32, 5, "conv1").max_pool(2).activation(relu);
  net->conv2d(64, 5, "conv2").max_pool(2).activation(relu);
  net->dense(512, "fc1").activation(relu);
  return nn::finish_with_head(std::move(net), "cnn", "fc2", data, context);
}

}  // namespace

OPTBENCH_MODEL_PLUGIN(info, create)
