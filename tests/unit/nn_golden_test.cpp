// The mlp and cnn plugins against PyTorch 1.13: loss and parameter gradients
// of one forward/backward on a fixed batch, from tests/golden/nn_models.csv
// (written by tests/golden/gen_nn_golden.py, whose docstring gives the closed
// forms for inputs, labels and parameters that this test rebuilds).
//
// Tolerances: the loss within 2e-6 relative; each recorded gradient element
// within 2e-5 of its tensor's largest recorded |element| plus 1e-4 relative;
// a tensor's sum and sum of |g| within 1e-4 relative plus 1e-6 absolute.
// Float32 with different summation orders (oneDNN's blocked convolutions,
// gemm against torch's) differs by a few ulps per product, far inside these;
// a wrong route through a pooling window, a dropped bias or a transposed
// weight is off by orders of magnitude more.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace optbench {
namespace {

struct Expected {
  double loss = 0;
  /// parameter -> index (or "sum", "abs_sum") -> value
  std::map<std::string, std::map<std::string, double>> grads;
};

std::map<std::string, Expected> golden() {
  const auto rows = testing::parse_csv(
      testing::read_file(OPTBENCH_TEST_SOURCE_DIR "/tests/golden/nn_models.csv"));
  EXPECT_GT(rows.size(), 1u) << "tests/golden/nn_models.csv is missing or empty";
  std::map<std::string, Expected> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];  // model, quantity, index, value
    const double value = std::stod(row.at(3));
    if (row.at(1) == "loss") {
      out[row[0]].loss = value;
    } else {
      out[row[0]].grads[row[1]][row.at(2)] = value;
    }
  }
  return out;
}

struct Case {
  std::string model;
  std::vector<std::size_t> sample_shape;
  std::size_t batch;
  std::vector<double> fan_in;  ///< per layer, in declaration order
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.model;
}

class NnGolden : public ::testing::TestWithParam<Case> {};

TEST_P(NnGolden, LossAndGradientsMatchPyTorch) {
  const Case& c = GetParam();
  const auto all = golden();
  ASSERT_TRUE(all.count(c.model)) << c.model << " has no golden rows";
  const Expected& want = all.at(c.model);
  constexpr std::size_t classes = 10;

  ModelContext context;
  context.data = DatasetInfo{Task::Classification, c.sample_shape, classes, 1};
  context.max_batch = c.batch;
  auto model = testing::built_plugins().make_model(c.model, {}, context);

  std::size_t k = 0;
  for (const auto& p : model->parameters()) {
    const double bound = 1.0 / std::sqrt(c.fan_in.at(k / 2));
    for (std::size_t i = 0; i < p.n; ++i) {
      p.value[i] = static_cast<float>(
          bound * std::sin(1.3 * static_cast<double>(i) + 0.7 * static_cast<double>(k) + 0.2));
    }
    ++k;
  }
  ASSERT_EQ(k, 2 * c.fan_in.size());

  std::size_t size = 1;
  for (auto d : c.sample_shape)
    size *= d;
  std::vector<float> inputs(c.batch * size), labels(c.batch);
  for (std::size_t j = 0; j < inputs.size(); ++j)
    inputs[j] = static_cast<float>(std::sin(0.37 * static_cast<double>(j) + 0.1));
  for (std::size_t n = 0; n < c.batch; ++n)
    labels[n] = static_cast<float>((3 * n + 1) % classes);

  const double loss = model->forward(Batch{inputs.data(), labels.data(), c.batch});
  model->backward();
  EXPECT_NEAR(loss, want.loss, 2e-6 * want.loss);

  std::size_t checked = 0;
  for (const auto& p : model->parameters()) {
    ASSERT_TRUE(want.grads.count(p.name)) << p.name << " has no golden rows";
    const auto& rows = want.grads.at(p.name);
    double scale = 0;
    for (const auto& [index, value] : rows) {
      if (index != "sum" && index != "abs_sum") scale = std::max(scale, std::abs(value));
    }
    double sum = 0, abs_sum = 0;
    for (std::size_t i = 0; i < p.n; ++i) {
      sum += p.grad[i];
      abs_sum += std::abs(p.grad[i]);
    }
    for (const auto& [index, value] : rows) {
      if (index == "sum" || index == "abs_sum") {
        const double got = index == "sum" ? sum : abs_sum;
        EXPECT_NEAR(got, value, 1e-4 * std::abs(value) + 1e-6) << p.name << " " << index;
      } else {
        const auto i = std::stoul(index);
        ASSERT_LT(i, p.n) << p.name;
        EXPECT_NEAR(p.grad[i], value, 2e-5 * scale + 1e-4 * std::abs(value))
            << p.name << "[" << i << "]";
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 6 * model->parameters().size());
}

INSTANTIATE_TEST_SUITE_P(Models, NnGolden,
                         ::testing::Values(Case{"mlp", {784}, 8, {784, 200}},
                                           Case{"cnn", {1, 28, 28}, 4, {25, 800, 1024, 512}}),
                         [](const auto& test) { return test.param.model; });

}  // namespace
}  // namespace optbench
