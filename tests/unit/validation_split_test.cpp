// The validation split: a seeded fraction of the training split held out,
// the same samples in every run, evaluated after each epoch and never
// trained on.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "run/runner.hpp"
#include "run/trainer.hpp"
#include "spec_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

TEST(ValidationSplit, HoldsOutASeededFractionDisjointFromTraining) {
  std::vector<std::size_t> fit, held;
  run::split_validation(100, {.fraction = 0.1, .seed = 3}, fit, held);
  ASSERT_EQ(held.size(), 10u);
  ASSERT_EQ(fit.size(), 90u);
  EXPECT_TRUE(std::is_sorted(fit.begin(), fit.end()));
  EXPECT_TRUE(std::is_sorted(held.begin(), held.end()));
  std::set<std::size_t> all(fit.begin(), fit.end());
  for (auto i : held)
    EXPECT_TRUE(all.insert(i).second) << "index " << i << " is in both";
  EXPECT_EQ(all.size(), 100u);
  EXPECT_EQ(*all.rbegin(), 99u);
  // Not simply the head or the tail: a permutation chose them.
  EXPECT_NE(held.back() - held.front(), 9u);

  std::vector<std::size_t> fit2, held2;
  run::split_validation(100, {.fraction = 0.1, .seed = 3}, fit2, held2);
  EXPECT_EQ(held2, held);
  run::split_validation(100, {.fraction = 0.1, .seed = 4}, fit2, held2);
  EXPECT_NE(held2, held);

  run::split_validation(100, {}, fit2, held2);
  EXPECT_TRUE(held2.empty());
  EXPECT_EQ(fit2.size(), 100u);
  run::split_validation(5, {.fraction = 0.01, .seed = 0}, fit2, held2);
  EXPECT_EQ(held2.size(), 1u) << "at least one sample is held out";
  EXPECT_THROW(run::split_validation(1, {.fraction = 0.5, .seed = 0}, fit2, held2),
               std::runtime_error);
}

const char* kYaml = R"(name: val
dataset: {name: synthetic_linear, samples: 200, test_fraction: 0.2, validation: {fraction: 0.25, seed: 1}}
model: {name: linear}
optimizers:
  - {name: sgd, lr: 0.05}
train: {epochs: 2, batch_size: 16}
)";

TEST(ValidationSplit, IsEvaluatedEachEpochAndTrainsOnTheRest) {
  testing::TempDir dir;
  const auto [spec, runs] = testing::load_and_expand(kYaml, "val.yaml");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_DOUBLE_EQ(runs[0].validation.fraction, 0.25);
  EXPECT_NE(runs[0].hyperparams_json.find(R"("validation":{"fraction":0.25,"seed":1})"),
            std::string::npos)
      << runs[0].hyperparams_json;
  const auto r = run::run_sweep(spec, runs, testing::built_plugins(), {.db = dir / "v.db"});
  ASSERT_EQ(r.done, 1u);
  const auto db = store::SqliteStore::open(dir / "v.db", store::SqliteStore::Mode::ReadOnly);
  const auto run = db.runs("val").at(0);
  // 160 training rows, 40 held out: 120 trained on, 8 batches of 16 an epoch.
  EXPECT_EQ(run.steps, 16);
  const auto val = db.metrics(run.id, "loss", "validation");
  ASSERT_EQ(val.size(), 2u);
  EXPECT_EQ(val[0].epoch, 1);  // epochs count from 1
  EXPECT_EQ(val[1].epoch, 2);
  EXPECT_TRUE(db.metrics(run.id, "accuracy", "validation").empty()) << "regression has none";
  EXPECT_EQ(db.metrics(run.id, "loss", "test").size(), 2u);
  // Without `validation:` the same experiment hashes as it always did.
  std::string plain = kYaml;
  plain.replace(plain.find(", validation: {fraction: 0.25, seed: 1}"),
                std::string(", validation: {fraction: 0.25, seed: 1}").size(), "");
  const auto plain_runs = testing::load_and_expand(plain, "val.yaml").runs;
  EXPECT_EQ(plain_runs[0].hyperparams_json.find("validation"), std::string::npos);
  EXPECT_NE(plain_runs[0].config_hash, runs[0].config_hash);
}

TEST(ValidationSplit, RefusesFractionsOutsideZeroToOne) {
  const auto& plugins = testing::built_plugins();
  for (const std::string bad : {"0", "1", "1.5", "{seed: 2}", "{fraction: 0.1, sed: 2}"}) {
    std::string yaml = kYaml;
    yaml.replace(yaml.find("{fraction: 0.25, seed: 1}"), 25, bad);
    EXPECT_THROW(experiment::load_text(yaml, "val.yaml", plugins), experiment::SpecError) << bad;
  }
}

}  // namespace
}  // namespace optbench
