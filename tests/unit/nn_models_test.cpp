// The oneDNN models (linear, mlp, cnn): gradients against finite differences,
// PyTorch-style initialisation, the loss heads, plans for changing batch
// sizes, determinism, and a small learning run.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "optbench/random.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

DatasetInfo classification(std::vector<std::size_t> shape, std::size_t classes) {
  return {Task::Classification, std::move(shape), classes, 1};
}

DatasetInfo regression(std::vector<std::size_t> shape, std::size_t target_size) {
  return {Task::Regression, std::move(shape), 0, target_size};
}

std::shared_ptr<Model> make(const std::string& name, const DatasetInfo& data, std::size_t max_batch,
                            std::uint64_t seed = 1, const ParamMap& params = {}) {
  ModelContext context;
  context.data = data;
  context.max_batch = max_batch;
  context.seed = seed;
  return testing::built_plugins().make_model(name, params, context);
}

/// Inputs and targets for `n` samples of `data`, owned by the test.
struct Data {
  std::vector<float> inputs, targets;
  std::size_t n = 0;
  Batch batch(std::size_t first = 0, std::size_t count = 0) const {
    if (count == 0) count = n - first;
    const std::size_t in = inputs.size() / n, out = targets.size() / n;
    return {inputs.data() + first * in, targets.data() + first * out, count};
  }
};

Data random_data(const DatasetInfo& info, std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  Data d;
  d.n = n;
  std::size_t in = 1;
  for (auto x : info.sample_shape)
    in *= x;
  d.inputs.resize(n * in);
  for (auto& x : d.inputs)
    x = static_cast<float>(rng.uniform(-1.0, 1.0));
  if (info.task == Task::Classification) {
    for (std::size_t i = 0; i < n; ++i)
      d.targets.push_back(static_cast<float>(rng.below(info.classes)));
  } else {
    d.targets.resize(n * info.target_size);
    for (auto& t : d.targets)
      t = static_cast<float>(rng.normal());
  }
  return d;
}

std::vector<float> copy_grad(const ParamBuffer& p) {
  return {p.grad, p.grad + p.n};
}

// ---------------------------------------------------------------------------
// Gradient check.
//
// Central differences (L(w+h) - L(w-h)) / 2h, every loss from forward() in
// float32. A component passes when |backward - numeric| <= 5e-3 * scale +
// 2e-2 * |numeric|, scale being the buffer's largest |gradient|, so tiny
// components are judged against their buffer's size rather than themselves:
// the loss carries float32 rounding (~1e-7 relative), which 1/2h magnifies.
// Smooth models use h = 1e-2, where that rounding is negligible and the
// O(h^2) truncation is well inside the bound.
// With ReLU and max pooling a +-h step can carry an activation across zero or
// switch a pooling window's winner; that difference is then wrong by design.
// A conv1 weight of the cnn feeds 3x12x12 pooled ReLU inputs, so at h = 1e-2
// or 1e-3 several such crossings per step are the rule. Models with kinks
// therefore use h = 1e-4 (crossings become rare; the rounding term is still
// below the bound, measured worst 0.85 of it) and may have one outlier per
// buffer (measured: one, in cnn conv1.weight, at 1.05 of the bound).
struct GradCase {
  std::string model;
  ParamMap params;
  DatasetInfo data;
  std::size_t batch;
  bool kinks;
  double h = 1e-2;
};

void PrintTo(const GradCase& c, std::ostream* os) {
  *os << c.model;
}

class GradientCheck : public ::testing::TestWithParam<GradCase> {};

TEST_P(GradientCheck, BackwardMatchesCentralDifferences) {
  const auto& c = GetParam();
  auto model = make(c.model, c.data, c.batch, 7, c.params);
  const Data data = random_data(c.data, c.batch, 11);
  const Batch batch = data.batch();
  model->forward(batch);
  model->backward();
  Rng pick(3);
  const double h = c.h;
  for (const auto& p : model->parameters()) {
    const auto grad = copy_grad(p);
    float scale = 0.0f;
    for (float g : grad)
      scale = std::max(scale, std::abs(g));
    ASSERT_GT(scale, 0.0f) << p.name << " has an all-zero gradient";
    std::vector<std::size_t> indices(std::min<std::size_t>(p.n, 10));
    if (p.n <= 10) {
      std::iota(indices.begin(), indices.end(), 0);
    } else {
      for (auto& i : indices)
        i = pick.below(p.n);
    }
    int outliers = 0;
    for (std::size_t i : indices) {
      const float saved = p.value[i];
      p.value[i] = static_cast<float>(saved + h);
      const double up = model->forward(batch);
      p.value[i] = static_cast<float>(saved - h);
      const double down = model->forward(batch);
      p.value[i] = saved;
      const double numeric = (up - down) / (2 * h);
      const double error = std::abs(grad[i] - numeric);
      const double allowed = 5e-3 * scale + 2e-2 * std::abs(numeric);
      if (error > allowed) {
        ++outliers;
        if (!c.kinks || outliers > 1) {
          ADD_FAILURE() << c.model << " " << p.name << "[" << i << "]: backward " << grad[i]
                        << ", finite difference " << numeric << ", buffer scale " << scale;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Models, GradientCheck,
    ::testing::Values(
        GradCase{"linear", {}, regression({3}, 1), 5, false},
        GradCase{"linear", {{"init", std::string("normal")}}, regression({3}, 2), 5, false},
        GradCase{"mlp",
                 {{"hidden", std::vector<double>{7, 5}}, {"activation", std::string("relu")}},
                 classification({12}, 4),
                 6,
                 true,
                 1e-4},
        GradCase{"mlp",
                 {{"hidden", std::vector<double>{7, 5}}, {"activation", std::string("tanh")}},
                 classification({12}, 4),
                 6,
                 false},
        GradCase{"mlp",
                 {{"hidden", std::vector<double>{7, 5}}, {"activation", std::string("sigmoid")}},
                 classification({12}, 4),
                 6,
                 false},
        GradCase{"mlp",
                 {{"hidden", std::vector<double>{6}}, {"activation", std::string("tanh")}},
                 regression({5}, 2),
                 4,
                 false},
        GradCase{"cnn", {}, classification({1, 28, 28}, 10), 3, true, 1e-4}),
    [](const auto& test) { return test.param.model + std::to_string(test.index); });

// ---------------------------------------------------------------------------
// Initialisation.

void expect_within_fan_in_bounds(Model& model, const std::vector<std::size_t>& fan_in) {
  const auto params = model.parameters();
  ASSERT_EQ(params.size(), 2 * fan_in.size());
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& p = params[k];
    const float bound = 1.0f / std::sqrt(static_cast<float>(fan_in[k / 2]));
    float largest = 0.0f;
    double sum = 0.0;
    for (std::size_t i = 0; i < p.n; ++i) {
      ASSERT_LE(std::abs(p.value[i]), bound) << p.name << "[" << i << "]";
      largest = std::max(largest, std::abs(p.value[i]));
      sum += p.value[i];
    }
    // Uniform over the whole range, centred: large buffers reach its edge.
    if (p.n >= 100) {
      EXPECT_GT(largest, 0.95f * bound) << p.name;
      EXPECT_NEAR(sum / p.n, 0.0, 0.1 * bound) << p.name;
    }
  }
}

TEST(NnInit, WeightsAndBiasesFollowPyTorchDefaults) {
  auto mlp = make("mlp", classification({12}, 4), 4, 5, {{"hidden", std::vector<double>{7, 5}}});
  expect_within_fan_in_bounds(*mlp, {12, 7, 5});
  auto big = make("mlp", classification({784}, 10), 4, 5);
  expect_within_fan_in_bounds(*big, {784, 200});
  auto cnn = make("cnn", classification({1, 28, 28}, 10), 2, 5);
  expect_within_fan_in_bounds(*cnn, {25, 800, 1024, 512});
  auto linear = make("linear", regression({3}, 1), 4, 5);
  expect_within_fan_in_bounds(*linear, {3});
  const auto names = [](Model& m) {
    std::vector<std::string> n;
    for (const auto& p : m.parameters())
      n.push_back(p.name);
    return n;
  };
  EXPECT_EQ(names(*cnn),
            (std::vector<std::string>{"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias",
                                      "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(cnn->parameters()[0].n, 32u * 25u);
  EXPECT_EQ(cnn->parameters()[4].n, 512u * 1024u);
}

TEST(NnInit, LinearNormalInitIsStandardNormalWithZeroBias) {
  auto linear = make("linear", regression({2000}, 1), 4, 9, {{"init", std::string("normal")}});
  const auto& w = linear->parameters()[0];
  double sum = 0, squares = 0;
  for (std::size_t i = 0; i < w.n; ++i) {
    sum += w.value[i];
    squares += w.value[i] * w.value[i];
  }
  const double mean = sum / w.n;
  EXPECT_NEAR(mean, 0.0, 0.1);
  EXPECT_NEAR(std::sqrt(squares / w.n - mean * mean), 1.0, 0.1);
  EXPECT_EQ(linear->parameters()[1].value[0], 0.0f);
}

TEST(NnInit, SameSeedIsIdenticalAndAnotherSeedDiffers) {
  for (const std::string name : {"linear", "mlp", "cnn"}) {
    const auto data = name == "linear" ? regression({3}, 1)
                      : name == "mlp"  ? classification({12}, 4)
                                       : classification({1, 28, 28}, 10);
    auto a = make(name, data, 2, 42), b = make(name, data, 2, 42), c = make(name, data, 2, 43);
    for (std::size_t k = 0; k < a->parameters().size(); ++k) {
      const auto& pa = a->parameters()[k];
      const auto& pb = b->parameters()[k];
      const auto& pc = c->parameters()[k];
      EXPECT_TRUE(std::equal(pa.value, pa.value + pa.n, pb.value)) << name << " " << pa.name;
      EXPECT_FALSE(std::equal(pa.value, pa.value + pa.n, pc.value)) << name << " " << pa.name;
    }
  }
}

// ---------------------------------------------------------------------------
// Loss heads.

void zero_weights(Model& model) {
  for (const auto& p : model.parameters())
    std::fill(p.value, p.value + p.n, 0.0f);
}

TEST(NnLoss, CrossEntropyWithZeroWeightsIsLogOfClasses) {
  auto mlp = make("mlp", classification({12}, 4), 5);
  zero_weights(*mlp);
  const Data d = random_data(classification({12}, 4), 5, 1);
  EXPECT_NEAR(mlp->forward(d.batch()), std::log(4.0), 1e-6);
  EXPECT_NEAR(mlp->evaluate(d.batch()).loss, std::log(4.0), 1e-6);

  auto cnn = make("cnn", classification({1, 28, 28}, 10), 3);
  zero_weights(*cnn);
  const Data c = random_data(classification({1, 28, 28}, 10), 3, 1);
  EXPECT_NEAR(cnn->forward(c.batch()), std::log(10.0), 1e-6);
}

TEST(NnLoss, CrossEntropyIsStableForLargeLogits) {
  // Logits of +-1e4 overflow exp() unless the maximum is subtracted first.
  auto linear_like =
      make("mlp", classification({1}, 2), 1, 1,
           {{"hidden", std::vector<double>{1}}, {"activation", std::string("tanh")}});
  zero_weights(*linear_like);
  auto params = linear_like->parameters();
  params[3].value[0] = 1e4f;  // output bias of class 0
  const std::vector<float> x{0.0f}, right{0.0f}, wrong{1.0f};
  EXPECT_NEAR(linear_like->forward({x.data(), right.data(), 1}), 0.0, 1e-6);
  EXPECT_NEAR(linear_like->forward({x.data(), wrong.data(), 1}), 1e4, 1e-2);
}

TEST(NnLoss, LinearMeanSquaredErrorIsMeanOverAllElements) {
  auto linear = make("linear", regression({2}, 2), 2);
  const auto params = linear->parameters();
  // y = W x + b with W = [[1, 0], [0, 2]], b = [0.5, -1].
  const float w[] = {1, 0, 0, 2}, b[] = {0.5f, -1};
  std::copy(w, w + 4, params[0].value);
  std::copy(b, b + 2, params[1].value);
  const std::vector<float> x{1, 1, 2, -1}, t{0, 0, 0, 0};
  // Predictions (1.5, 1) and (2.5, -3): mean of squares over 4 elements.
  const double expected = (2.25 + 1 + 6.25 + 9) / 4;
  EXPECT_NEAR(linear->forward({x.data(), t.data(), 2}), expected, 1e-6);
  linear->backward();
  // dL/db = 2/4 * sum over samples of (y - t).
  EXPECT_NEAR(params[1].grad[0], 0.5 * (1.5 + 2.5), 1e-6);
  EXPECT_NEAR(params[1].grad[1], 0.5 * (1 - 3), 1e-6);
}

// ---------------------------------------------------------------------------
// Plans per batch size, evaluation, determinism.

class PerModel : public ::testing::TestWithParam<std::string> {
 protected:
  DatasetInfo info() const {
    return GetParam() == "cnn" ? classification({1, 28, 28}, 10) : classification({12}, 4);
  }
  std::shared_ptr<Model> model(std::size_t max_batch, std::uint64_t seed = 1) const {
    ParamMap p;
    if (GetParam() == "mlp") p = {{"hidden", std::vector<double>{7, 5}}};
    return make(GetParam(), info(), max_batch, seed, p);
  }
};

TEST_P(PerModel, SmallerBatchesGetTheirOwnPlanAndAgree) {
  auto m = model(3);
  const Data d = random_data(info(), 3, 4);
  std::vector<double> single;
  std::vector<std::vector<float>> single_grads;
  for (std::size_t i = 0; i < 3; ++i) {
    single.push_back(m->forward(d.batch(i, 1)));
    m->backward();
    single_grads.push_back(copy_grad(m->parameters()[0]));
  }
  const double tol = 1e-5;
  EXPECT_NEAR(m->forward(d.batch(0, 3)), (single[0] + single[1] + single[2]) / 3, tol);
  EXPECT_NEAR(m->forward(d.batch(0, 2)), (single[0] + single[1]) / 2, tol);
  m->backward();
  const auto& w = m->parameters()[0];
  for (std::size_t i = 0; i < w.n; i += 37) {
    EXPECT_NEAR(w.grad[i], (single_grads[0][i] + single_grads[1][i]) / 2, 1e-5) << i;
  }
  EXPECT_NEAR(m->forward(d.batch(0, 3)), (single[0] + single[1] + single[2]) / 3, tol);
  EXPECT_NEAR(m->evaluate(d.batch(1, 2)).loss, (single[1] + single[2]) / 2, tol);
}

TEST_P(PerModel, EvaluateLeavesGradientsAndThePendingBackwardAlone) {
  auto m = model(4);
  const Data d = random_data(info(), 4, 5);
  const Data other = random_data(info(), 4, 6);
  const double loss = m->forward(d.batch());
  m->backward();
  std::vector<std::vector<float>> before;
  for (const auto& p : m->parameters())
    before.push_back(copy_grad(p));
  m->forward(d.batch());
  const auto e = m->evaluate(other.batch());  // same batch size as the training plan
  EXPECT_GE(e.loss, 0.0);
  EXPECT_LE(e.correct, 4u);
  m->backward();
  for (std::size_t k = 0; k < before.size(); ++k) {
    EXPECT_EQ(copy_grad(m->parameters()[k]), before[k]) << m->parameters()[k].name;
  }
  EXPECT_EQ(m->evaluate(d.batch()).loss, loss);
}

TEST_P(PerModel, SameSeedGivesBitIdenticalLossesAfterFiveSteps) {
  const Data d = random_data(info(), 4, 8);
  const auto train = [&](std::uint64_t seed) {
    auto m = model(4, seed);
    for (int step = 0; step < 5; ++step) {
      m->forward(d.batch());
      m->backward();
      for (const auto& p : m->parameters()) {
        for (std::size_t i = 0; i < p.n; ++i)
          p.value[i] -= 0.05f * p.grad[i];
      }
    }
    return m->forward(d.batch());
  };
  const double a = train(3), b = train(3), c = train(4);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

INSTANTIATE_TEST_SUITE_P(Models, PerModel, ::testing::Values("mlp", "cnn"));

// ---------------------------------------------------------------------------
// Learning and refusals.

TEST(NnLearning, MlpLearnsASeparableToyBatchWithPlainGradientSteps) {
  const std::size_t classes = 4, n = 32, features = 12;
  auto m = make("mlp", classification({features}, classes), n, 2,
                {{"hidden", std::vector<double>{7, 5}}});
  // Each class is a noisy copy of its own random prototype.
  Rng rng(9);
  std::vector<std::vector<float>> prototypes(classes, std::vector<float>(features));
  for (auto& p : prototypes) {
    for (auto& x : p)
      x = static_cast<float>(rng.uniform(-2.0, 2.0));
  }
  Data d;
  d.n = n;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t label = i % classes;
    for (std::size_t j = 0; j < features; ++j) {
      d.inputs.push_back(prototypes[label][j] + static_cast<float>(rng.uniform(-0.2, 0.2)));
    }
    d.targets.push_back(static_cast<float>(label));
  }
  const double first = m->forward(d.batch());
  m->backward();
  for (int step = 0; step < 100; ++step) {
    for (const auto& p : m->parameters()) {
      for (std::size_t i = 0; i < p.n; ++i)
        p.value[i] -= 0.1f * p.grad[i];
    }
    m->forward(d.batch());
    m->backward();
  }
  const auto e = m->evaluate(d.batch());
  EXPECT_LT(e.loss, 0.5 * first) << "from " << first;
  EXPECT_EQ(e.correct, n);
}

TEST(NnModels, RefuseUnsuitableDataAndParameters) {
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { make("cnn", classification({784}, 10), 2); }).find("flatten: false"),
            std::string::npos);
  EXPECT_NE(message([] { make("linear", classification({3}, 2), 2); }).find("regression"),
            std::string::npos);
  EXPECT_NE(message([] {
              make("mlp", classification({3}, 2), 2, 1, {{"hidden", std::vector<double>{2.5}}});
            }).find("whole numbers"),
            std::string::npos);
  EXPECT_NE(message([] {
              ModelContext context;
              testing::built_plugins().make_model("mlp", {}, context);
            }).find("dataset"),
            std::string::npos);
  auto m = make("mlp", classification({3}, 2), 2);
  const std::vector<float> x{0, 0, 0}, bad{2};
  EXPECT_NE(message([&] {
              m->forward({x.data(), bad.data(), 1});
            }).find("class index"),
            std::string::npos);
}

}  // namespace
}  // namespace optbench
