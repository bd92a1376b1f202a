// Verdicts on constructed data with known answers: the bootstrap interval,
// the pairwise win probability, the choice of configuration on validation
// data, and the one-line verdict.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "results/verdict.hpp"
#include "results/verdict_stats.hpp"

namespace optbench::results {
namespace {

TEST(Bootstrap, ConstantValuesGiveAPointInterval) {
  const std::vector<double> same{0.25, 0.25, 0.25, 0.25};
  const auto i = bootstrap_mean_interval(same);
  EXPECT_EQ(i.lo, 0.25);
  EXPECT_EQ(i.hi, 0.25);
  const std::vector<double> one{3.5};
  EXPECT_EQ(bootstrap_mean_interval(one).lo, 3.5);
  EXPECT_EQ(bootstrap_mean_interval(one).hi, 3.5);
  EXPECT_TRUE(std::isnan(bootstrap_mean_interval(std::vector<double>{}).lo));
}

// Two values 0 and 1: a resample's mean is 0, 0.5 or 1 with probabilities
// 1/4, 1/2, 1/4, so the 2.5th and 97.5th percentiles are exactly 0 and 1.
TEST(Bootstrap, TwoValuesSpanBothEnds) {
  const std::vector<double> v{0.0, 1.0};
  const auto i = bootstrap_mean_interval(v);
  EXPECT_EQ(i.lo, 0.0);
  EXPECT_EQ(i.hi, 1.0);
}

// For 40 evenly spaced values the bootstrap distribution of the mean is
// close to normal with sd = (plug-in sd) / sqrt(n): the 95% interval is the
// mean +- 1.96 of that, to within Monte Carlo error (10% of its width).
TEST(Bootstrap, MatchesTheNormalIntervalForManyValues) {
  std::vector<double> v;
  for (int k = 0; k < 40; ++k)
    v.push_back(k / 39.0);
  double mean = 0.0, var = 0.0;
  for (double x : v)
    mean += x / 40.0;
  for (double x : v)
    var += (x - mean) * (x - mean) / 40.0;
  const double half = 1.959964 * std::sqrt(var / 40.0);
  const auto i = bootstrap_mean_interval(v);
  EXPECT_NEAR(i.lo, mean - half, 0.1 * half);
  EXPECT_NEAR(i.hi, mean + half, 0.1 * half);
  // Seeded: the same values give the same interval, another seed another.
  const auto again = bootstrap_mean_interval(v);
  EXPECT_EQ(again.lo, i.lo);
  EXPECT_EQ(again.hi, i.hi);
  EXPECT_NE(bootstrap_mean_interval(v, 0.95, 10000, 1).lo, i.lo);
  // A 50% interval is narrower: about +- 0.674 sd.
  const auto half_level = bootstrap_mean_interval(v, 0.5);
  EXPECT_NEAR(half_level.hi - half_level.lo, 2 * 0.6745 * std::sqrt(var / 40.0),
              0.15 * half_level.hi - 0.15 * half_level.lo);
}

TEST(WinProbability, CountsSeedPairsAndHalvesTies) {
  const std::vector<double> a{1.0, 2.0, 3.0}, b{0.5, 1.5, 2.5};
  // a beats b in 1 + 2 + 3 of the 9 pairs when higher is better.
  EXPECT_DOUBLE_EQ(win_probability(a, b, true), 6.0 / 9.0);
  EXPECT_DOUBLE_EQ(win_probability(b, a, true), 3.0 / 9.0);
  EXPECT_DOUBLE_EQ(win_probability(a, b, false), 3.0 / 9.0);
  const std::vector<double> two{2.0}, around{1.0, 3.0}, ones{1.0, 1.0};
  EXPECT_DOUBLE_EQ(win_probability(two, around, true), 0.5);
  EXPECT_DOUBLE_EQ(win_probability(ones, ones, true), 0.5);
  EXPECT_TRUE(std::isnan(win_probability(std::vector<double>{}, a, true)));
}

RunValues run(const std::string& optimizer, const std::string& group, std::int64_t seed,
              double validation, double test, store::RunStatus status = store::RunStatus::Done) {
  RunValues r;
  r.problem = "mlp on data";
  r.optimizer = optimizer;
  r.group = group;
  r.label = group;
  r.seed = seed;
  r.status = status;
  r.train_loss = 0.3;
  r.validation_loss = 1.0 - validation;
  r.validation_accuracy = validation;
  r.test_loss = 1.0 - test;
  r.test_accuracy = test;
  return r;
}

// adam's first configuration has the better test accuracy but the worse
// validation accuracy: the verdict must choose the second, on validation.
// sgd's best validation configuration has a diverged seed and is never
// chosen. rmsprop's only run never finished: no result.
std::vector<RunValues> constructed() {
  using store::RunStatus;
  return {
      run("adam", "adam lr=0.1", 0, 0.80, 0.95),
      run("adam", "adam lr=0.1", 1, 0.81, 0.95),
      run("adam", "adam lr=0.1", 2, 0.82, 0.95),
      run("adam", "adam lr=0.01", 0, 0.86, 0.84),
      run("adam", "adam lr=0.01", 1, 0.85, 0.85),
      run("adam", "adam lr=0.01", 2, 0.87, 0.86),
      run("sgd", "sgd lr=1", 0, 0.99, 0.99),
      run("sgd", "sgd lr=1", 1, 0.0, 0.0, RunStatus::Diverged),
      run("sgd", "sgd lr=1", 2, 0.99, 0.99),
      run("sgd", "sgd lr=0.1", 0, 0.70, 0.70),
      run("sgd", "sgd lr=0.1", 1, 0.72, 0.71),
      run("sgd", "sgd lr=0.1", 2, 0.71, 0.72),
      run("rmsprop", "rmsprop lr=0.1", 0, 0.5, 0.5, RunStatus::Interrupted),
  };
}

TEST(Verdict, ChoosesOnValidationAndReportsTestWithIntervals) {
  const auto v = verdicts(constructed());
  ASSERT_EQ(v.size(), 1u);
  const auto& p = v[0];
  EXPECT_EQ(p.chosen_on.name, "validation accuracy");
  EXPECT_EQ(p.reported.name, "test accuracy");
  ASSERT_EQ(p.results.size(), 2u);
  EXPECT_EQ(p.results[0].optimizer, "adam");
  EXPECT_EQ(p.results[0].label, "adam lr=0.01");
  EXPECT_EQ(p.results[0].configurations, 2u);
  EXPECT_NEAR(p.results[0].selection, 0.86, 1e-12);
  EXPECT_NEAR(p.results[0].mean, 0.85, 1e-12);
  EXPECT_EQ(p.results[1].optimizer, "sgd");
  EXPECT_EQ(p.results[1].label, "sgd lr=0.1");
  EXPECT_NEAR(p.results[1].mean, 0.71, 1e-12);
  // Three values spaced 0.01 apart: the interval lies within their range
  // and contains the mean.
  for (const auto& r : p.results) {
    EXPECT_LE(r.interval.lo, r.mean);
    EXPECT_GE(r.interval.hi, r.mean);
    EXPECT_GE(r.interval.lo, r.mean - 0.01 - 1e-12);
    EXPECT_LE(r.interval.hi, r.mean + 0.01 + 1e-12);
  }
  ASSERT_EQ(p.without_result.size(), 1u);
  EXPECT_EQ(p.without_result[0], "rmsprop");
  EXPECT_DOUBLE_EQ(p.win[0][1], 1.0);
  EXPECT_DOUBLE_EQ(p.win[1][0], 0.0);
  // Three values 0.01 apart: a resampled mean is the lowest value with
  // probability 1/27 > 2.5%, so the interval is the values' whole range.
  EXPECT_NEAR(p.results[0].interval.lo, 0.84, 1e-12);
  EXPECT_NEAR(p.results[0].interval.hi, 0.86, 1e-12);
  EXPECT_EQ(p.line,
            "mlp on data: adam wins on test accuracy (chosen on validation accuracy): 85.00% "
            "[84.00, 86.00] against sgd's 71.00% [70.00, 72.00], 14.00 points better; "
            "P(adam beats sgd) = 1.00 over 3 x 3 seed pairs; the intervals do not overlap");
}

TEST(Verdict, OverlappingResultsSayHowUnsure) {
  std::vector<RunValues> runs;
  const double a[] = {0.50, 0.60, 0.70}, b[] = {0.55, 0.58, 0.62};
  for (int s = 0; s < 3; ++s) {
    runs.push_back(run("a", "a", s, a[s], a[s]));
    runs.push_back(run("b", "b", s, b[s], b[s]));
  }
  // Losses, lower is better: without accuracies the loss is the measure.
  for (auto& r : runs)
    r.validation_accuracy = r.test_accuracy = std::nullopt;
  const auto v = verdicts(runs);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].chosen_on.name, "validation loss");
  EXPECT_EQ(v[0].reported.name, "test loss");
  // Test losses 1 - x: a {0.5, 0.4, 0.3} mean 0.4, b {0.45, 0.42, 0.38}
  // mean 0.4167; a wins; a beats b in 1 (0.4 < 0.42) + 2 (0.3 < all)
  // + ... pairs: 0.5 beats none, 0.4 beats 0.45 and 0.42, 0.3 beats all 3.
  EXPECT_EQ(v[0].results[0].optimizer, "a");
  EXPECT_DOUBLE_EQ(v[0].win[0][1], 5.0 / 9.0);
  EXPECT_NE(v[0].line.find("; the intervals overlap"), std::string::npos) << v[0].line;
  EXPECT_NE(v[0].line.find("a wins on test loss (chosen on validation loss)"), std::string::npos)
      << v[0].line;
}

TEST(Verdict, WithoutValidationTheChoiceIsOnTrainLoss) {
  std::vector<RunValues> runs{run("a", "a1", 0, 0.9, 0.9), run("a", "a2", 0, 0.1, 0.1)};
  runs[0].validation_accuracy = runs[0].validation_loss = std::nullopt;
  runs[1].validation_accuracy = runs[1].validation_loss = std::nullopt;
  runs[0].train_loss = 0.5;
  runs[1].train_loss = 0.2;
  const auto v = verdicts(runs);
  EXPECT_EQ(v[0].chosen_on.name, "train loss");
  ASSERT_EQ(v[0].results.size(), 1u);
  EXPECT_EQ(v[0].results[0].label, "a2");
  EXPECT_NE(v[0].line.find("a is the only optimizer with a finished configuration"),
            std::string::npos)
      << v[0].line;
}

}  // namespace
}  // namespace optbench::results
