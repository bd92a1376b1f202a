// Sweeps end to end through the store: results are recorded, re-running
// resumes, a loss above diverge_above ends the run (non-finite losses:
// divergence_test.cpp).
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "run/runner.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;

run::SweepResult sweep(const std::string& yaml, const std::filesystem::path& db, int jobs = 1) {
  const auto& plugins = testing::built_plugins();
  const auto spec = experiment::load_text(yaml, "sweep.yaml", plugins);
  return run::run_sweep(spec, experiment::expand(spec, plugins), plugins, {.db = db, .jobs = jobs});
}

const char* kLab = R"(name: lab
model: {name: quadratic}
optimizers:
  - {name: sgd, label: SGD, lr: [0.1, 0.2]}
  - {name: adam, lr: 0.2}
train: {steps: 20}
seeds: [0, 1]
)";

/// kLab's runs in `db`, each expected done with its 21 loss points (steps
/// + 1): none lost, none duplicated.
std::vector<store::RunRecord> done_lab_runs(const store::SqliteStore& db) {
  auto runs = db.runs("lab");
  EXPECT_EQ(runs.size(), 6u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, RunStatus::Done) << run.label;
    EXPECT_EQ(db.metrics(run.id, "loss").size(), 21u) << run.label << ": history lost or doubled";
  }
  return runs;
}

TEST(Runner, RecordsEveryRunWithLossAndTrajectory) {
  testing::TempDir dir;
  const auto r = sweep(kLab, dir / "r.db");
  EXPECT_EQ(r.total, 6u);
  EXPECT_EQ(r.done, 6u);
  const auto db = store::SqliteStore::open(dir / "r.db", store::SqliteStore::Mode::ReadOnly);
  const auto runs = done_lab_runs(db);
  ASSERT_EQ(runs.size(), 6u);
  for (const auto& run : runs) {
    EXPECT_EQ(run.steps, 20);
    EXPECT_EQ(db.trajectory(run.id).size(), 21u);
    EXPECT_EQ(run.problem_key, "quadratic");
  }
  // SGD lr 0.2 on 0.2 x0^2 + 2 x1^2 from (3, 4): x0 shrinks by 0.92 a step
  // and x1 by 0.2, so after 20 steps the loss is 0.2 (3 * 0.92^20)^2.
  const auto& sgd = runs[2];
  EXPECT_EQ(sgd.label, "SGD lr=0.2");
  const double x0 = 3.0 * std::pow(0.92, 20);
  EXPECT_NEAR(sgd.final_loss, 0.2 * x0 * x0, 1e-6);
  const auto surface = db.surface("lab", "quadratic");
  ASSERT_TRUE(surface.has_value());
  EXPECT_EQ(surface->nx, 101);
  EXPECT_DOUBLE_EQ(surface->values[0], 0.2 * 25 + 2 * 25);  // corner (-5, -5)
}

TEST(Runner, RerunSkipsDoneRunsAndRedoesInterruptedOnes) {
  testing::TempDir dir;
  sweep(kLab, dir / "r.db");
  // A run left 'interrupted' by a process that died mid-run.
  testing::exec_sql(dir / "r.db", "UPDATE runs SET status='interrupted' WHERE id=2");
  const auto r = sweep(kLab, dir / "r.db");
  EXPECT_EQ(r.skipped, 5u);
  EXPECT_EQ(r.done, 1u);
  done_lab_runs(store::SqliteStore::open(dir / "r.db", store::SqliteStore::Mode::ReadOnly));
}

TEST(Runner, ThresholdDivergenceStopsEarly) {
  testing::TempDir dir;
  sweep(R"(name: thr
model: {name: quadratic}
optimizers: [{name: sgd, lr: 1.5}]
train: {steps: 100, diverge_above: 1000}
)",
        dir / "r.db");
  const auto db = store::SqliteStore::open(dir / "r.db", store::SqliteStore::Mode::ReadOnly);
  const auto run = db.runs("thr").at(0);
  EXPECT_EQ(run.status, RunStatus::Diverged);
  EXPECT_GT(run.final_loss, 1000);
  EXPECT_TRUE(std::isfinite(run.final_loss));
}

TEST(Runner, ParallelJobsGiveTheSameResultsAsOne) {
  testing::TempDir dir;
  sweep(kLab, dir / "one.db", 1);
  sweep(kLab, dir / "two.db", 2);
  const auto a =
      store::SqliteStore::open(dir / "one.db", store::SqliteStore::Mode::ReadOnly).runs("lab");
  const auto b =
      store::SqliteStore::open(dir / "two.db", store::SqliteStore::Mode::ReadOnly).runs("lab");
  ASSERT_EQ(a.size(), b.size());
  std::map<std::string, double> by_hash;
  for (const auto& r : a)
    by_hash[r.config_hash] = r.final_loss;
  for (const auto& r : b)
    EXPECT_EQ(by_hash.at(r.config_hash), r.final_loss);
}

}  // namespace
}  // namespace optbench
