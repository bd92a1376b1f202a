// Divergence is a result, not an error: a learning rate that blows up and a
// NaN or infinity injected at step k (fixture plugin `faulty`) each stop the
// run at the first non-finite loss, within one step, with the value stored
// as what it was (NaN as the text 'NaN', infinity as a REAL infinity).
#include <gtest/gtest.h>

#include <cmath>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "run/runner.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;

const registry::Registry& plugins_with_fixtures() {
  static const registry::Registry r =
      registry::Registry::load({OPTBENCH_TEST_PLUGIN_DIR, OPTBENCH_TEST_FIXTURE_PLUGIN_DIR});
  return r;
}

class Divergence : public ::testing::Test {
 protected:
  // The fixture folder's `sgd` shadows the real one: the lr test runs
  // without the fixtures.
  store::RunRecord sweep_one(const std::string& yaml,
                             const registry::Registry& plugins = plugins_with_fixtures()) {
    const auto spec = experiment::load_text(yaml, "d.yaml", plugins);
    run::Options options;
    options.db = db_file();
    const auto r = run::run_sweep(spec, experiment::expand(spec, plugins), plugins, options);
    EXPECT_EQ(r.diverged, 1u);
    return store::SqliteStore::open(db_file(), store::SqliteStore::Mode::ReadOnly)
        .runs(spec.name)
        .at(0);
  }
  // The stored type and text of the run's last loss row.
  std::string last_loss_sql(std::int64_t run_id, const char* column) const {
    return "SELECT " + std::string(column) +
           " FROM metrics WHERE run_id = " + std::to_string(run_id) +
           " AND name = 'loss' ORDER BY step DESC LIMIT 1";
  }
  std::filesystem::path db_file() const { return dir_ / "d.db"; }
  testing::TempDir dir_;
};

TEST_F(Divergence, LargeLearningRateStopsAtTheFirstNonFiniteLoss) {
  const auto run = sweep_one(R"(name: lr
model: {name: rosenbrock}
optimizers: [{name: sgd, lr: 1.0}]
train: {steps: 100, diverge_above: .inf}
)",
                             testing::built_plugins());
  EXPECT_EQ(run.status, RunStatus::Diverged);
  EXPECT_FALSE(std::isfinite(run.final_loss));
  EXPECT_LT(run.steps, 100);
  EXPECT_NE(run.error.find("at step " + std::to_string(run.steps)), std::string::npos) << run.error;
  const auto loss = store::SqliteStore::open(db_file(), store::SqliteStore::Mode::ReadOnly)
                        .metrics(run.id, "loss");
  ASSERT_GE(loss.size(), 2u);
  EXPECT_FALSE(std::isfinite(loss.back().value));
  for (std::size_t k = 0; k + 1 < loss.size(); ++k)
    EXPECT_TRUE(std::isfinite(loss[k].value)) << "step " << loss[k].step;
  EXPECT_EQ(loss.back().step, run.steps);
  EXPECT_EQ(static_cast<std::int64_t>(loss.size()), run.steps + 1);  // every step recorded
}

// 50 steps on a 2-D function with `fault` injected at step 5.
std::string injected_2d(const std::string& fault) {
  return "name: " + fault +
         "2d\nmodel: {name: quadratic}\noptimizers: [{name: faulty, fault: " + fault +
         ", at_step: 5}]\ntrain: {steps: 50}\n";
}

TEST_F(Divergence, InjectedNaNAtStepKStopsTheFunctionRunAtStepKPlusOne) {
  const auto run = sweep_one(injected_2d("nan"));
  EXPECT_EQ(run.status, RunStatus::Diverged);
  EXPECT_EQ(run.steps, 6);  // the update of step 5 made the loss at point 6 NaN
  EXPECT_TRUE(std::isnan(run.final_loss));
  EXPECT_NE(run.error.find("at step 6"), std::string::npos) << run.error;
  EXPECT_EQ(testing::scalar(db_file(), last_loss_sql(run.id, "typeof(value)")), "text");
  EXPECT_EQ(testing::scalar(db_file(), last_loss_sql(run.id, "value")), "NaN");
  EXPECT_EQ(testing::scalar(db_file(), "SELECT typeof(final_loss) FROM runs"), "text");
  EXPECT_EQ(testing::scalar(db_file(), "SELECT count(*) FROM trajectories"), "7");
}

TEST_F(Divergence, InjectedInfinityIsStoredAsARealInfinity) {
  const auto run = sweep_one(injected_2d("inf"));
  EXPECT_EQ(run.steps, 6);
  EXPECT_EQ(run.final_loss, std::numeric_limits<double>::infinity());
  EXPECT_EQ(testing::scalar(db_file(), last_loss_sql(run.id, "typeof(value)")), "real");
  EXPECT_EQ(testing::scalar(db_file(), last_loss_sql(run.id, "value > 1e308")), "1");
}

TEST_F(Divergence, InjectedNaNStopsADataRunWithinOneStep) {
  const auto run = sweep_one(R"(name: nandata
dataset: {name: synthetic_linear, samples: 1000}
model: {name: linear}
optimizers: [{name: faulty, lr: 0.01, fault: nan, at_step: 7}]
train: {epochs: 3, batch_size: 64}
)");
  EXPECT_EQ(run.status, RunStatus::Diverged);
  EXPECT_EQ(run.steps, 8);
  EXPECT_TRUE(std::isnan(run.final_loss));
  const auto loss = store::SqliteStore::open(db_file(), store::SqliteStore::Mode::ReadOnly)
                        .metrics(run.id, "loss");
  ASSERT_EQ(loss.size(), 9u);  // steps 0..8, the last NaN
  EXPECT_TRUE(std::isnan(loss.back().value));
  EXPECT_TRUE(std::isfinite(loss[7].value));
  // No epoch finished, so no epoch summary exists.
  EXPECT_TRUE(store::SqliteStore::open(db_file(), store::SqliteStore::Mode::ReadOnly)
                  .metrics(run.id, "epoch_loss")
                  .empty());
}

}  // namespace
}  // namespace optbench
