// Schedules in experiments: `schedule:` under an optimizer entry, its
// settings sweeping like hyperparameters, `interval: epoch`, the recorded
// lr, and the pairings refused before any run starts. (Values against torch:
// schedule_golden_test.cpp.)
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "run/runner.hpp"
#include "spec_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using experiment::SpecError;

TEST(ScheduleExperiment, SettingsSweepLikeHyperparametersAndChangeTheHash) {
  const auto runs = testing::expand_yaml(R"(name: s
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: 0.1}
  - {name: sgd, lr: 0.1, label: cos, schedule: {name: cosine, T_max: [10, 20], eta_min: 0.01}}
train: {steps: 5}
)");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_FALSE(runs[0].schedule.has_value());
  EXPECT_EQ(runs[0].hyperparams_json.find("schedule"), std::string::npos);
  ASSERT_TRUE(runs[1].schedule.has_value());
  EXPECT_EQ(*runs[1].schedule, "cosine");
  EXPECT_EQ(runs[1].label, "cos T_max=10");
  EXPECT_EQ(runs[2].label, "cos T_max=20");
  EXPECT_EQ(std::get<std::int64_t>(runs[2].schedule_params.at("T_max")), 20);
  EXPECT_DOUBLE_EQ(std::get<double>(runs[2].schedule_params.at("eta_min")), 0.01);
  EXPECT_NE(
      runs[1].hyperparams_json.find(
          R"("schedule":{"name":"cosine","params":{"T_max":10,"eta_min":0.01},"interval":"step"})"),
      std::string::npos)
      << runs[1].hyperparams_json;
  const std::set<std::string> hashes{runs[0].config_hash, runs[1].config_hash, runs[2].config_hash};
  EXPECT_EQ(hashes.size(), 3u);
}

TEST(ScheduleExperiment, RefusesBadSchedulesWithTheirLocation) {
  const std::string head = "name: s\nmodel: {name: quadratic}\noptimizers:\n";
  testing::expect_spec_error(
      head + "  - {name: adadelta, schedule: {name: onecycle, max_lr: 1, total_steps: 9}}\n", 4, 33,
      "optimizers[0].schedule",
      "schedule onecycle cycles the momentum, but optimizer adadelta has none (give "
      "cycle_momentum: false)");
  testing::expect_spec_error(head + "  - {name: sgd, lr: 0.1, schedule: {name: cosin, T_max: 3}}\n",
                             4, 43, "optimizers[0].schedule.name",
                             "unknown schedule plugin 'cosin' (did you mean 'cosine'?)");
  testing::expect_spec_error(head + "  - {name: sgd, lr: 0.1, schedule: {name: cosine, T_mx: 3}}\n",
                             4, 51, "optimizers[0].schedule.T_mx",
                             "unknown setting of schedule cosine 'T_mx' (did you mean 'T_max'?)");
  testing::expect_spec_error(head + "  - {name: sgd, lr: 0.1, schedule: {name: cosine}}\n", 4, 37,
                             "optimizers[0].schedule",
                             "missing required key 'T_max' of schedule cosine");
  testing::expect_spec_error(
      head + "  - {name: sgd, lr: 0.1, schedule: {name: step, step_size: 0}}\n", 4, 60,
      "optimizers[0].schedule.step_size", "step_size: expected an integer >= 1, got 0");
  testing::expect_spec_error(
      head +
          "  - {name: sgd, lr: 0.1, schedule: {name: step, step_size: 2, interval: "
          "batch}}\n",
      4, 73, "optimizers[0].schedule.interval", "expected step or epoch, got 'batch'");
  testing::expect_spec_error(
      head +
          "  - {name: sgd, lr: 0.1, schedule: {name: step, step_size: 2, interval: "
          "epoch}}\n",
      4, 37, "optimizers[0].schedule", "interval: epoch needs a model trained on a dataset");
  testing::expect_spec_error(
      head + "  - {name: sgd, lr: 0.1, schedule: {name: multistep, milestones: [2.5]}}\n", 4, 37,
      "optimizers[0].schedule", "multistep: milestones: expected whole numbers of steps, got 2.5");
  testing::expect_spec_error(head +
                                 "  - {name: sgd, lr: 0.1, schedule: {name: onecycle, max_lr: 1, "
                                 "total_steps: 3, pct_start: 0.1}}\n",
                             4, 37, "optimizers[0].schedule", "leaves a phase without steps");
}

TEST(ScheduleExperiment, RefusesAnOptimizerThatCannotChangeItsLr) {
  // The fixture optimizer keeps the SDK's default set_lr, which says no.
  const auto plugins =
      registry::Registry::load({OPTBENCH_TEST_PLUGIN_DIR, OPTBENCH_TEST_FIXTURE_PLUGIN_DIR});
  testing::expect_spec_error(
      "name: s\nmodel: {name: quadratic}\noptimizers:\n"
      "  - {name: faulty, schedule: {name: exponential, gamma: 0.5}}\n",
      4, 31, "optimizers[0].schedule",
      "optimizer faulty cannot change its learning rate between steps, so exponential "
      "cannot schedule it",
      plugins);
}

// Per epoch, the lr is the schedule's value of the epoch index for every
// step of that epoch: 0.1 * 0.5^epoch here, 4 steps an epoch.
TEST(ScheduleExperiment, EpochIntervalHoldsTheLrForAWholeEpoch) {
  testing::TempDir dir;
  const auto& plugins = testing::built_plugins();
  const auto spec = experiment::load_text(R"(name: per-epoch
dataset: {name: synthetic_linear, samples: 128}
model: {name: linear}
optimizers:
  - {name: sgd, lr: 0.1, schedule: {name: step, step_size: 1, gamma: 0.5, interval: epoch}}
train: {epochs: 3, batch_size: 32}
)",
                                          "exp.yaml", plugins);
  const auto r =
      run::run_sweep(spec, experiment::expand(spec, plugins), plugins, {.db = dir / "e.db"});
  ASSERT_EQ(r.done, 1u);
  const auto db = store::SqliteStore::open(dir / "e.db", store::SqliteStore::Mode::ReadOnly);
  const auto lr = db.metrics(db.runs("per-epoch").at(0).id, "lr");
  ASSERT_EQ(lr.size(), 12u);
  for (const auto& point : lr) {
    // Epochs are stored from 1; the schedule's epoch index counts from 0.
    EXPECT_EQ(point.epoch, point.step / 4 + 1);
    EXPECT_DOUBLE_EQ(point.value, 0.1 * std::pow(0.5, static_cast<double>(point.epoch - 1)))
        << "step " << point.step;
  }
}

}  // namespace
}  // namespace optbench
