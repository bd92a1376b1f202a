// Training with data end to end: a tiny generated MNIST-format dataset, the
// mlp and cnn plugins, two epochs through the runner into the store; and a
// rerun with the same seed reproduces the loss history bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "optbench/random.hpp"
#include "run/runner.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"
#include "tiny_mnist.hpp"

namespace optbench {
namespace {

std::string experiment(const std::string& name, const std::string& model, bool flatten) {
  return "name: " + name + R"(
dataset: {name: idx, dir: data, flatten: )" +
         (flatten ? "true" : "false") + R"(}
model: )" +
         model + R"(
optimizers:
  - {name: adadelta, rho: 0.9}
  - {name: adam, lr: 1.0e-3}
train: {epochs: 2, batch_size: 64}
seeds: [7]
)";
}

run::SweepResult run_file(const std::filesystem::path& file, const std::filesystem::path& db,
                          int jobs) {
  const auto& plugins = testing::built_plugins();
  const auto spec = experiment::load_file(file, plugins);
  return run::run_sweep(spec, experiment::expand(spec, plugins), plugins, {.db = db, .jobs = jobs});
}

class TrainingEndToEnd : public testing::TinyMnistTest {
 protected:
  TrainingEndToEnd() : TinyMnistTest(1000, 300) {}

  struct Trained {
    run::SweepResult sweep;
    store::SqliteStore db;
  };
  /// Runs experiment(name, model, flatten) with `jobs` workers into r.db and
  /// opens the result.
  Trained train(const std::string& name, const std::string& model, bool flatten, int jobs) {
    testing::write_file(dir_ / "e.yaml", experiment(name, model, flatten));
    const auto sweep = run_file(dir_ / "e.yaml", dir_ / "r.db", jobs);
    return {sweep, store::SqliteStore::open(dir_ / "r.db", store::SqliteStore::Mode::ReadOnly)};
  }
};

TEST_F(TrainingEndToEnd, MlpLearnsAndRecordsEveryMetric) {
  const auto [sweep, db] = train("tiny-mlp", "{name: mlp, hidden: [64]}", true, 2);
  ASSERT_EQ(sweep.done, 2u);
  for (const auto& run : db.runs("tiny-mlp")) {
    SCOPED_TRACE(run.label);
    EXPECT_EQ(run.status, store::RunStatus::Done) << run.error;
    EXPECT_EQ(run.steps, 2 * 16);  // ceil(1000 / 64) batches a epoch
    EXPECT_EQ(db.metrics(run.id, "loss").size(), 32u);
    const auto epoch = db.metrics(run.id, "epoch_loss");
    ASSERT_EQ(epoch.size(), 2u);
    EXPECT_LT(epoch[1].value, epoch[0].value);
    const auto accuracy = db.metrics(run.id, "accuracy", "test");
    ASSERT_EQ(accuracy.size(), 2u);
    EXPECT_GT(accuracy[1].value, 0.9);
    EXPECT_EQ(db.metrics(run.id, "loss", "test").size(), 2u);
    EXPECT_EQ(db.metrics(run.id, "epoch_seconds").size(), 2u);
  }
}

TEST_F(TrainingEndToEnd, CnnTrainsOnImages) {
  const auto [sweep, db] = train("tiny-cnn", "cnn", false, 2);
  ASSERT_EQ(sweep.done, 2u);
  for (const auto& run : db.runs("tiny-cnn")) {
    const auto accuracy = db.metrics(run.id, "accuracy", "test");
    ASSERT_EQ(accuracy.size(), 2u) << run.label;
    EXPECT_GT(accuracy[1].value, 0.8) << run.label;
  }
}

TEST_F(TrainingEndToEnd, CnnOnFlatInputsFailsTheRunWithAClearMessage) {
  const auto [sweep, db] = train("flat-cnn", "cnn", true, 1);
  EXPECT_EQ(sweep.failed, 2u);
  EXPECT_NE(db.runs("flat-cnn").at(0).error.find("flatten"), std::string::npos)
      << db.runs("flat-cnn").at(0).error;
}

TEST_F(TrainingEndToEnd, SameSeedSameThreadsGivesBitIdenticalHistory) {
  testing::write_file(dir_ / "e.yaml", experiment("repeat", "{name: mlp, hidden: [32]}", true));
  run_file(dir_ / "e.yaml", dir_ / "a.db", 1);
  run_file(dir_ / "e.yaml", dir_ / "b.db", 2);  // other scheduling, same per-run threads
  const auto a = store::SqliteStore::open(dir_ / "a.db", store::SqliteStore::Mode::ReadOnly);
  const auto b = store::SqliteStore::open(dir_ / "b.db", store::SqliteStore::Mode::ReadOnly);
  const auto runs_a = a.runs("repeat"), runs_b = b.runs("repeat");
  ASSERT_EQ(runs_a.size(), runs_b.size());
  for (std::size_t k = 0; k < runs_a.size(); ++k) {
    ASSERT_EQ(runs_a[k].config_hash, runs_b[k].config_hash);
    for (const char* name : {"loss", "epoch_loss"}) {
      const auto x = a.metrics(runs_a[k].id, name), y = b.metrics(runs_b[k].id, name);
      ASSERT_EQ(x.size(), y.size());
      for (std::size_t i = 0; i < x.size(); ++i) {
        // Compared as bits: "close" would hide a nondeterministic reduction.
        EXPECT_EQ(0, std::memcmp(&x[i].value, &y[i].value, sizeof(double)))
            << name << " step " << x[i].step << ": " << x[i].value << " vs " << y[i].value;
      }
    }
  }
}

}  // namespace
}  // namespace optbench
