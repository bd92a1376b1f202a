// The sequential model plugin: the mlp and cnn written as layer lists train
// bit-identically to the mlp and cnn plugins; a CNN with batch
// normalization and dropout trains; bad lists are refused naming the
// layer's position, its text and the shapes involved.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "optbench/random.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

std::shared_ptr<Model> make(const std::string& name, const ParamMap& params,
                            std::vector<std::size_t> shape, std::size_t batch) {
  ModelContext context;
  context.data = DatasetInfo{Task::Classification, std::move(shape), 10, 1};
  context.max_batch = batch;
  context.seed = 5;
  return testing::built_plugins().make_model(name, params, context);
}

/// The sequential model of `layers` on samples of `shape`.
std::shared_ptr<Model> sequential(const std::string& layers, std::vector<std::size_t> shape,
                                  std::size_t batch) {
  return make("sequential", {{"layers", layers}}, std::move(shape), batch);
}

struct Data {
  std::vector<float> inputs, labels;
};

Data random_data(std::size_t n, std::size_t size, std::uint64_t seed) {
  Rng rng(seed);
  Data d;
  for (std::size_t i = 0; i < n * size; ++i)
    d.inputs.push_back(static_cast<float>(rng.uniform(-1.0, 1.0)));
  for (std::size_t i = 0; i < n; ++i)
    d.labels.push_back(static_cast<float>(rng.below(10)));
  return d;
}

/// Three SGD steps by hand; returns every loss and the final parameters.
std::vector<float> train_three_steps(Model& model, const Data& d, std::size_t batch) {
  std::vector<float> trace;
  for (int step = 0; step < 3; ++step) {
    trace.push_back(static_cast<float>(model.forward({d.inputs.data(), d.labels.data(), batch})));
    model.backward();
    for (const auto& p : model.parameters()) {
      for (std::size_t i = 0; i < p.n; ++i)
        p.value[i] -= 0.05f * p.grad[i];
    }
  }
  for (const auto& p : model.parameters())
    trace.insert(trace.end(), p.value, p.value + p.n);
  return trace;
}

/// Both models have the same tensors, by name, and give the same losses and
/// parameters, to the bit, after three steps on `d`.
void expect_same_network(Model& a, Model& b, const Data& d, std::size_t batch) {
  ASSERT_EQ(a.parameters().size(), b.parameters().size());
  for (std::size_t k = 0; k < a.parameters().size(); ++k)
    EXPECT_EQ(a.parameters()[k].name, b.parameters()[k].name);
  EXPECT_EQ(train_three_steps(a, d, batch), train_three_steps(b, d, batch));
}

TEST(Sequential, MlpWrittenAsAListIsBitIdenticalToTheMlpPlugin) {
  const auto d = random_data(16, 784, 1);
  auto mlp = make("mlp", {{"hidden", std::vector<double>{64, 32}}}, {784}, 16);
  auto seq = sequential("linear 64, relu, linear 32, relu, linear 10", {784}, 16);
  expect_same_network(*mlp, *seq, d, 16);
}

TEST(Sequential, CnnWrittenAsAListIsBitIdenticalToTheCnnPlugin) {
  const auto d = random_data(8, 784, 2);
  auto cnn = make("cnn", {}, {1, 28, 28}, 8);
  auto seq = sequential(
      "conv 32 5, maxpool 2, relu, conv 64 5, maxpool 2, relu, "
      "flatten, linear 512, relu, linear 10",
      {1, 28, 28}, 8);
  expect_same_network(*cnn, *seq, d, 8);
}

// Max pooling applies a ReLU that follows it in its own passes, and sums a
// first convolution's bias gradient as it writes that layer's gradient.
// ReLU and max pooling commute, so the same nets with the ReLU first (where
// nothing is fused) must train to the same bits. 27x27 leaves rows and
// columns outside the windows; 12 channels are not a whole vector.
TEST(Sequential, PoolingThenReluTrainsToTheBitsOfReluThenPooling) {
  for (const auto& [fused, apart, side] :
       {std::tuple{"conv 32 5, maxpool 2, relu, conv 64 5, maxpool 2, relu, flatten, linear 10",
                   "conv 32 5, relu, maxpool 2, conv 64 5, relu, maxpool 2, flatten, linear 10",
                   std::size_t{28}},
        std::tuple{"conv 12 4, maxpool 2, relu, conv 8 3, maxpool 3, relu, flatten, linear 10",
                   "conv 12 4, relu, maxpool 2, conv 8 3, relu, maxpool 3, flatten, linear 10",
                   std::size_t{27}}}) {
    SCOPED_TRACE(fused);
    const auto d = random_data(8, side * side, 6);
    auto a = sequential(fused, {1, side, side}, 8);
    auto b = sequential(apart, {1, side, side}, 8);
    expect_same_network(*a, *b, d, 8);
  }
}

// A dense layer runs the ReLU after it as a post-op of its forward and its
// backward in one pass before its own; dropout 0 copies values and
// gradients unchanged and keeps the ReLU a layer of its own, so the two nets
// must train to the same bits.
TEST(Sequential, DenseThenReluTrainsToTheBitsOfAReluLayer) {
  const auto d = random_data(16, 784, 7);
  auto fused = sequential("linear 64, relu, linear 32, relu, linear 10", {784}, 16);
  auto apart =
      sequential("linear 64, dropout 0, relu, linear 32, dropout 0, relu, linear 10", {784}, 16);
  expect_same_network(*fused, *apart, d, 16);
}

// The YAML spelling as the host hands it over (one flow-style text) builds
// the same network as the text spelling: same tensors, same bits.
TEST(Sequential, TheYamlListIsTheSameNetworkAsTheText) {
  const auto d = random_data(8, 1 * 12 * 12, 4);
  auto text = sequential(
      "conv 4 3, batchnorm, relu, maxpool 2, dropout 0.25, "
      "flatten, linear 16, relu, linear 10",
      {1, 12, 12}, 8);
  auto yaml = sequential(
      "[{conv: {out: 4, kernel: 3}}, batchnorm, relu, "
      "{maxpool: 2}, {dropout: 0.25}, flatten, "
      "{linear: [16]}, relu, linear 10]",
      {1, 12, 12}, 8);
  expect_same_network(*text, *yaml, d, 8);
}

TEST(Sequential, CnnWithBatchNormAndDropoutLearnsAFixedBatch) {
  const auto d = random_data(32, 1 * 12 * 12, 3);
  auto model = sequential(
      "conv 8 3, batchnorm, relu, avgpool 2, dropout 0.1, "
      "flatten, linear 32, batchnorm, gelu, linear 10",
      {1, 12, 12}, 32);
  EXPECT_EQ(model->buffers().size(), 4u);  // two batchnorms' running mean and variance
  const Batch batch{d.inputs.data(), d.labels.data(), 32};
  const double first = model->forward(batch);
  for (int step = 0; step < 60; ++step) {
    model->forward(batch);
    model->backward();
    for (const auto& p : model->parameters()) {
      for (std::size_t i = 0; i < p.n; ++i)
        p.value[i] -= 0.1f * p.grad[i];
    }
  }
  model->set_training(false);
  const auto e = model->evaluate(batch);
  EXPECT_LT(e.loss, 0.5 * first) << "first " << first;
  EXPECT_GE(e.correct, 24u);
}

void expect_refused(const std::string& layers, std::vector<std::size_t> shape,
                    const std::string& message) {
  try {
    sequential(layers, std::move(shape), 4);
    ADD_FAILURE() << "accepted: " << layers;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
  }
}

TEST(Sequential, ShapeErrorsNameTheLayerItsPositionAndBothShapes) {
  expect_refused("conv 8 5, maxpool 2, conv 8 5, linear 10", {1, 12, 12},
                 "sequential: layers[2] 'conv 8 5' cannot take an input of shape (8, 4, 4)");
  expect_refused("linear 20, maxpool 2, linear 10", {784},
                 "layers[1] 'maxpool 2' cannot take an input of shape (20)");
  expect_refused("linear 20, relu, linear 7", {784},
                 "the last layer gives (7) per sample; the dataset needs (10) (one logit per "
                 "class)");
  expect_refused("conv 4 3, relu", {1, 8, 8}, "the last layer gives (4, 6, 6) per sample");
}

TEST(Sequential, BadListsAreRefusedWithWhatWasExpected) {
  expect_refused("linear 10, softmax", {784},
                 "layers[1] 'softmax': unknown layer; expected one of linear, conv");
  expect_refused("linear ten", {784}, "layers[0] 'linear ten': expected a number, got 'ten'");
  expect_refused("linear 2.5, linear 10", {784}, "layers[0] 'linear 2.5': expected linear N");
  expect_refused("conv 8, linear 10", {1, 8, 8}, "expected conv OUT K");
  expect_refused("dropout 1, linear 10", {784}, "expected dropout P with P in [0, 1)");
  expect_refused("flatten, relu, linear 10", {1, 8, 8}, "'flatten': must be followed by linear");
  expect_refused("linear 10,, relu", {784}, "layers[1] is empty");
}

TEST(Sequential, ADeclaredInputMustBeTheDatasetsSampleShape) {
  EXPECT_NO_THROW(make("sequential",
                       {{"layers", std::string("conv 4 5, flatten, linear 10")},
                        {"input", std::vector<double>{1, 12, 12}}},
                       {1, 12, 12}, 4));
  try {
    make("sequential",
         {{"layers", std::string("conv 4 5, flatten, linear 10")},
          {"input", std::vector<double>{1, 12, 12}}},
         {144}, 4);
    ADD_FAILURE() << "accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "sequential: input (1, 12, 12) was declared, but the dataset gives (144) per "
                 "sample (set the dataset's flatten: false)");
  }
}

TEST(Sequential, BadYamlListsAreRefusedWithWhatWasExpected) {
  expect_refused(
      "[{conv: {out: 8, kernel: 5}}, {maxpool: 2}, {conv: {out: 8, kernel: 5}}, "
      "{linear: 10}]",
      {1, 12, 12},
      "sequential: layers[2] '{conv: {out: 8, kernel: 5}}' cannot take an input of "
      "shape (8, 4, 4)");
  expect_refused("[{conv: {out: 8, kernal: 5}}, {linear: 10}]", {1, 12, 12},
                 "layers[0] '{conv: {out: 8, kernal: 5}}': unknown argument 'kernal' of conv; "
                 "expected out, kernel");
  expect_refused("[{conv: {kernel: 5}}, {linear: 10}]", {1, 12, 12},
                 "layers[0] '{conv: {kernel: 5}}': expected the arguments out, kernel");
  expect_refused("[{conv: {out: 8}}, {linear: 10}]", {1, 12, 12}, "expected conv OUT K");
  expect_refused("[{linear: ten}]", {784}, "layers[0] '{linear: ten}': expected a number");
  expect_refused("[{linear: 10, relu: 1}]", {784}, "expected a layer name or 'name: arguments'");
  expect_refused("[softmax]", {784}, "layers[0] 'softmax': unknown layer");
  expect_refused("[]", {784}, "layers: expected at least one layer");
}

}  // namespace
}  // namespace optbench
