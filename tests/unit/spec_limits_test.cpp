// Experiment values that used to be taken silently: numbers that underflow
// to zero, -0.0 as a value of its own, runs without an upper length, and
// two optimizer entries under one label. Each is refused with its location.
#include <gtest/gtest.h>

#include <cmath>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "spec_support.hpp"
#include "test_support.hpp"

namespace optbench::experiment {
namespace {

const std::string kHead = "name: x\nmodel: quadratic\n";

TEST(Underflow, ATinyLearningRateIsRefusedNotTrainedAsZero) {
  testing::expect_spec_error(kHead + "optimizers: [{name: sgd, lr: 1e-400}]\n", 3, 30,
                             "optimizers[0].lr", "would underflow to 0");
  // Negative: it would have become -0.0 and passed lr >= 0.
  testing::expect_spec_error(kHead + "optimizers: [{name: sgd, lr: -1e-400}]\n", 3, 30,
                             "optimizers[0].lr", "would underflow to 0");
  // A subnormal keeps only some of its digits.
  testing::expect_spec_error(kHead + "optimizers: [{name: sgd, lr: 1e-310}]\n", 3, 30,
                             "optimizers[0].lr", "would underflow to a subnormal");
  // The smallest normal double and zero itself are values.
  EXPECT_EQ(testing::expand_yaml(kHead + "optimizers: [{name: sgd, lr: 2.3e-308}]\n").at(0).lr,
            2.3e-308);
  EXPECT_EQ(testing::expand_yaml(kHead + "optimizers: [{name: sgd, lr: 0}]\n").at(0).lr, 0.0);
}

TEST(Underflow, NegativeZeroIsZeroForHashesAndDuplicates) {
  const auto plus = testing::expand_yaml(kHead + "optimizers: [{name: sgd, lr: 0.0}]\n");
  const auto minus = testing::expand_yaml(kHead + "optimizers: [{name: sgd, lr: -0.0}]\n");
  ASSERT_EQ(plus.size(), 1u);
  ASSERT_EQ(minus.size(), 1u);
  EXPECT_EQ(minus[0].config_hash, plus[0].config_hash);
  EXPECT_EQ(minus[0].hyperparams_json, plus[0].hyperparams_json);
  EXPECT_FALSE(std::signbit(minus[0].lr));
  // Two spellings of one value are one configuration, not two runs.
  testing::expect_spec_error(kHead + "optimizers: [{name: sgd, lr: [0.0, -0.0]}]\n", 3, 15,
                             "optimizers[0]", "repeats a configuration");
}

TEST(RunLength, StepsHaveAnUpperBound) {
  testing::expect_spec_error(kHead + "optimizers: [adam]\ntrain: {steps: 9223372036854775807}\n", 4,
                             16, "train.steps", "an integer in [1, 1000000000]");
  testing::expect_spec_error(kHead + "optimizers: [{name: adam, train: {steps: 1000000001}}]\n", 3,
                             42, "optimizers[0].train.steps", "an integer in [1, 1000000000]");
  testing::expect_spec_error(kHead + "optimizers: [adam]\ntrain: {epochs: 1000001}\n", 4, 17,
                             "train.epochs", "an integer in [1, 1000000]");
}

TEST(RunLength, PointsPerSeriesHaveAnUpperBound) {
  // 10^7 steps, every one recorded: 10,000,001 points of loss and of path.
  testing::expect_spec_error(
      kHead + "optimizers: [adam]\ntrain: {steps: 10000000}\n", 4, 1, "train",
      "would record 10000001 points per series, above the limit of 1000000; set "
      "record_every to at least 11");
  // The same in an entry's own train settings is reported there.
  testing::expect_spec_error(
      kHead + "optimizers: [{name: adam, train: {steps: 10000000, record_every: 5}}]\n", 3, 15,
      "optimizers[0].train", "set record_every to at least 11");
  // At the limit it is accepted.
  EXPECT_EQ(testing::expand_yaml(kHead +
                                 "optimizers: [adam]\ntrain: {steps: 10000000, record_every: 11}\n")
                .size(),
            1u);
}

// record_every used to thin only the loss: 10^7 steps with record_every
// 5000 stored 2,001 loss points and 10,000,001 path points.
TEST(RunLength, RecordEveryThinsThePathAsWellAsTheLoss) {
  testing::TempDir dir;
  const auto yaml = dir.path() / "thin.yaml";
  const auto db = dir.path() / "thin.db";
  testing::write_file(yaml,
                      kHead + "optimizers: [adam]\ntrain: {steps: 1005, record_every: 100}\n");
  const auto r = testing::run_optbench("run '" + yaml.string() + "' --db '" + db.string() +
                                       "' --no-plots --quiet --jobs 1");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  // Steps 0, 100, ..., 1000 and the last one, 1005.
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM metrics WHERE name = 'loss'"), "12");
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM trajectories"), "12");
  EXPECT_EQ(testing::scalar(db,
                            "SELECT group_concat(step) FROM (SELECT step FROM trajectories "
                            "ORDER BY step)"),
            "0,100,200,300,400,500,600,700,800,900,1000,1005");
}

TEST(Labels, TwoEntriesUnderOneLabelAreRefused) {
  testing::expect_spec_error(kHead +
                                 "optimizers:\n  - {name: sgd, label: mine, lr: 0.1}\n"
                                 "  - {name: adam, label: mine, lr: 0.1}\n",
                             5, 6, "optimizers[1]",
                             "label 'mine' is already used by optimizers[0]");
  // Distinct labels, or an unlabelled entry beside a labelled one, are fine.
  EXPECT_EQ(testing::expand_yaml(kHead +
                                 "optimizers:\n  - {name: adam, label: mine, lr: 0.01}\n"
                                 "  - {name: adam, label: yours, lr: 0.02}\n  - {name: rmsprop}\n")
                .size(),
            3u);
}

}  // namespace
}  // namespace optbench::experiment
