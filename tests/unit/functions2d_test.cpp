// The 2-D test functions: gradients agree with finite differences, each
// function is 0 at its known minimum, and optimizers reach that minimum.
#include <gtest/gtest.h>

#include <cmath>

#include "test_support.hpp"

namespace optbench {
namespace {

std::shared_ptr<Model> make(const std::string& name, ParamMap params = {}, std::uint64_t seed = 0) {
  ModelContext context;
  context.seed = seed;
  return testing::built_plugins().make_model(name, params, context);
}

class Function : public ::testing::TestWithParam<std::string> {};

// Central differences in double on the surface, against backward() in
// float32: agreement to 1e-3 relative is what float32 rounding of the point
// and the gradient allows for these magnitudes.
TEST_P(Function, GradientMatchesFiniteDifferences) {
  const std::vector<std::vector<double>> points = {{0.3, -0.7}, {1.1, 0.4}, {-1.5, 1.25}};
  for (const auto& point : points) {
    auto model = make(GetParam(), {{"start", point}});
    const auto* s = model->surface();
    ASSERT_NE(s, nullptr);
    const auto& x = model->parameters()[0];
    model->forward({});
    model->backward();
    const double h = 1e-6;
    const double x0 = x.value[0], x1 = x.value[1];
    const double g0 = (s->value(x0 + h, x1) - s->value(x0 - h, x1)) / (2 * h);
    const double g1 = (s->value(x0, x1 + h) - s->value(x0, x1 - h)) / (2 * h);
    EXPECT_NEAR(x.grad[0], g0, 1e-3 * (1 + std::abs(g0)))
        << GetParam() << " at " << x0 << "," << x1;
    EXPECT_NEAR(x.grad[1], g1, 1e-3 * (1 + std::abs(g1)))
        << GetParam() << " at " << x0 << "," << x1;
  }
}

TEST_P(Function, IsZeroAtItsKnownMinimumAndPositiveNearby) {
  auto model = make(GetParam());
  const auto* s = model->surface();
  const auto m = s->minimum();
  EXPECT_NEAR(s->value(m[0], m[1]), 0.0, 1e-12);
  EXPECT_GT(s->value(m[0] + 0.05, m[1] + 0.05), 0.0);
  EXPECT_GT(s->value(m[0] - 0.05, m[1] + 0.03), 0.0);
}

INSTANTIATE_TEST_SUITE_P(All, Function,
                         ::testing::Values("quadratic", "ellipse", "cubic", "rosenbrock",
                                           "rastrigin", "beale"));

TEST(Functions, StartDefaultsFollowTheSeedLabAndJitterFollowsTheSeed) {
  auto q = make("quadratic");
  EXPECT_EQ(q->parameters()[0].value[0], 3.0f);
  EXPECT_EQ(q->parameters()[0].value[1], 4.0f);
  auto e = make("ellipse");
  EXPECT_EQ(e->parameters()[0].value[0], -7.0f);
  EXPECT_EQ(e->parameters()[0].value[1], 2.0f);
  auto a = make("rosenbrock", {{"start_jitter", 0.2}}, 1);
  auto b = make("rosenbrock", {{"start_jitter", 0.2}}, 1);
  auto c = make("rosenbrock", {{"start_jitter", 0.2}}, 2);
  EXPECT_EQ(a->parameters()[0].value[0], b->parameters()[0].value[0]);
  EXPECT_NE(a->parameters()[0].value[0], c->parameters()[0].value[0]);
  EXPECT_LE(std::abs(a->parameters()[0].value[0] - (-1.2f)), 0.2f);
}

TEST(Functions, QuadraticWeightsAreUsed) {
  auto q = make("quadratic",
                {{"weights", std::vector<double>{1.0, 3.0}}, {"start", std::vector<double>{2, 1}}});
  EXPECT_DOUBLE_EQ(q->forward({}), 1.0 * 4 + 3.0 * 1);
}

TEST(Functions, BadWindowIsRefused) {
  EXPECT_THROW(make("beale", {{"window", std::vector<double>{1, 0, 0, 1}}}), std::invalid_argument);
}

// Known answers, as ensmallen's test problems carry them: the optimizer must
// end within `tol` of the minimizer.
struct Reach {
  std::string function, optimizer;
  ParamMap params;
  int steps;
  double tol;
};

class ReachesMinimum : public ::testing::TestWithParam<Reach> {};

TEST_P(ReachesMinimum, WithinTolerance) {
  const auto& c = GetParam();
  auto model = make(c.function);
  auto optimizer = testing::built_plugins().make_optimizer(c.optimizer, c.params);
  optimizer->attach(model->parameters());
  for (int k = 0; k < c.steps; ++k) {
    model->forward({});
    model->backward();
    optimizer->step();
  }
  const auto m = model->surface()->minimum();
  const float* x = model->parameters()[0].value;
  EXPECT_NEAR(x[0], m[0], c.tol) << c.optimizer << " on " << c.function;
  EXPECT_NEAR(x[1], m[1], c.tol) << c.optimizer << " on " << c.function;
}

INSTANTIATE_TEST_SUITE_P(KnownAnswers, ReachesMinimum,
                         ::testing::Values(Reach{"quadratic", "sgd", {{"lr", 0.2}}, 300, 1e-4},
                                           Reach{"ellipse", "momentum", {{"lr", 0.1}}, 300, 1e-3},
                                           Reach{"ellipse", "nesterov", {{"lr", 0.1}}, 300, 1e-3},
                                           Reach{"cubic", "adam", {{"lr", 0.05}}, 2000, 1e-2},
                                           Reach{"rosenbrock", "adam", {{"lr", 0.02}}, 10000, 2e-2},
                                           Reach{"beale", "adam", {{"lr", 0.01}}, 10000, 2e-2}));

}  // namespace
}  // namespace optbench
