// Successive halving: the rungs, who is promoted, `pruned` runs stored with
// their history and never ranked, a rerun that adds nothing, and the
// version-4 schema that allows the status.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <algorithm>
#include <map>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "results/verdict.hpp"
#include "run/halving.hpp"
#include "spec_support.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;

TEST(Halving, RungsRunFromTheFullBudgetDown) {
  experiment::SearchSpec s;
  s.eta = 3;
  s.min_epochs = 1;
  EXPECT_EQ(experiment::rung_epochs(9, s), (std::vector<std::int64_t>{1, 3, 9}));
  EXPECT_EQ(experiment::rung_epochs(10, s), (std::vector<std::int64_t>{1, 3, 10}));
  EXPECT_EQ(experiment::rung_epochs(2, s), (std::vector<std::int64_t>{2}));
  s.min_epochs = 2;
  EXPECT_EQ(experiment::rung_epochs(9, s), (std::vector<std::int64_t>{3, 9}));
  s.eta = 2;
  s.min_epochs = 1;
  EXPECT_EQ(experiment::rung_epochs(8, s), (std::vector<std::int64_t>{1, 2, 4, 8}));
}

TEST(Halving, PromotesTheBestFloorNOverEtaOfEachEntry) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<run::TrialScore> scores{
      {"p", "optimizers[0] #0", 3.0}, {"p", "optimizers[0] #1", 1.0},
      {"p", "optimizers[0] #2", 2.0}, {"p", "optimizers[0] #3", inf},
      {"p", "optimizers[1] #0", 5.0}, {"p", "optimizers[1] #1", 4.0},
  };
  const auto next = run::promote(scores, 2);
  EXPECT_EQ(next,
            (std::vector<std::pair<std::string, std::string>>{
                {"p", "optimizers[0] #1"}, {"p", "optimizers[0] #2"}, {"p", "optimizers[1] #1"}}));
  // At least one goes on; one that broke never does.
  const auto only =
      run::promote({{"p", "optimizers[0] #0", inf}, {"p", "optimizers[0] #1", 7.0}}, 3);
  EXPECT_EQ(only, (std::vector<std::pair<std::string, std::string>>{{"p", "optimizers[0] #1"}}));
}

const char* kYaml = R"(name: halving
dataset: {name: synthetic_linear, samples: 240, validation: 0.25}
model: {name: linear}
search: {kind: halving, budget: 9, eta: 3, min_epochs: 1, seed: 4}
optimizers:
  - {name: sgd, lr: {loguniform: [1.0e-3, 0.3]}}
train: {epochs: 9, batch_size: 30}
)";

TEST(Halving, StoresPrunedRunsAndARerunAddsNothing) {
  testing::TempDir dir;
  const auto [spec, runs] = testing::load_and_expand(kYaml, "h.yaml");
  ASSERT_EQ(runs.size(), 27u);  // 9 configurations x 3 rungs x 1 seed, at most
  const auto& plugins = testing::built_plugins();
  const run::Options options{.db = dir / "h.db"};
  const auto r = run::run_halving(spec, runs, plugins, options);
  EXPECT_EQ(r.total, 9u + 3u + 1u);
  EXPECT_EQ(r.failed, 0u);

  const auto db = store::SqliteStore::open(dir / "h.db", store::SqliteStore::Mode::ReadOnly);
  const auto records = db.runs("halving");
  ASSERT_EQ(records.size(), 13u);
  std::map<std::int64_t, std::vector<const store::RunRecord*>> by_steps;
  std::size_t pruned = 0, done = 0;
  for (const auto& rec : records) {
    by_steps[rec.steps].push_back(&rec);
    pruned += rec.status == RunStatus::Pruned;
    done += rec.status == RunStatus::Done;
  }
  EXPECT_EQ(pruned, 12u);
  EXPECT_EQ(done, 1u);
  // 180 training rows, 6 batches of 30 an epoch: rungs of 1, 3 and 9 epochs.
  ASSERT_EQ(by_steps.size(), 3u);
  EXPECT_EQ(by_steps[6].size(), 9u);
  EXPECT_EQ(by_steps[18].size(), 3u);
  EXPECT_EQ(by_steps[54].size(), 1u);
  EXPECT_EQ(by_steps[54][0]->status, RunStatus::Done);
  // Every pruned run kept its history: one validation loss per epoch.
  for (const auto& rec : records)
    EXPECT_EQ(db.metrics(rec.id, "loss", "validation").size(),
              static_cast<std::size_t>(rec.steps / 6))
        << rec.label;

  // The three promoted after the first rung are the three lowest first-rung
  // validation losses; the one that finished is the lowest of those after 3.
  std::vector<std::pair<double, std::string>> first;
  for (const auto* rec : by_steps[6])
    first.emplace_back(db.metrics(rec->id, "loss", "validation").back().value,
                       rec->hyperparams.substr(0, rec->hyperparams.find("\"model\"")));
  std::sort(first.begin(), first.end());
  std::vector<std::pair<double, std::string>> second;
  for (const auto* rec : by_steps[18]) {
    const auto optimizer = rec->hyperparams.substr(0, rec->hyperparams.find("\"model\""));
    EXPECT_TRUE(std::any_of(first.begin(), first.begin() + 3,
                            [&](const auto& f) { return f.second == optimizer; }))
        << rec->label << " was promoted without being in the best third";
    EXPECT_NE(rec->error.find("promoted") == std::string::npos &&
                  rec->error.find("stopped") == std::string::npos,
              true);
    second.emplace_back(db.metrics(rec->id, "loss", "validation").back().value, optimizer);
  }
  std::sort(second.begin(), second.end());
  EXPECT_EQ(by_steps[54][0]->hyperparams.substr(0, by_steps[54][0]->hyperparams.find("\"model\"")),
            second.front().second);
  // A stopped run says so; a promoted one says where it went.
  std::size_t stopped = 0;
  for (const auto& rec : records)
    stopped += rec.error.find("stopped by successive halving after 1 epochs") == 0;
  EXPECT_EQ(stopped, 6u);

  // Never ranked: the verdict's only candidate is the finished run.
  const auto v = results::verdicts(db, "halving");
  ASSERT_EQ(v.size(), 1u);
  ASSERT_EQ(v[0].results.size(), 1u);
  EXPECT_EQ(v[0].results[0].label, by_steps[54][0]->label);
  EXPECT_EQ(v[0].results[0].label.find("epochs]"), std::string::npos);

  // The same command again: every run is found, none is trained.
  const auto again = run::run_halving(spec, experiment::expand(spec, plugins), plugins, options);
  EXPECT_EQ(again.skipped, 13u);
  EXPECT_EQ(again.done + again.failed + again.diverged, 0u);
  EXPECT_EQ(store::SqliteStore::open(dir / "h.db", store::SqliteStore::Mode::ReadOnly)
                .runs("halving")
                .size(),
            13u);
}

TEST(Halving, NeedsAValidationSplit) {
  std::string yaml = kYaml;
  yaml.replace(yaml.find(", validation: 0.25"), 18, "");
  try {
    experiment::load_text(yaml, "h.yaml", testing::built_plugins());
    FAIL() << "accepted";
  } catch (const experiment::SpecError& e) {
    EXPECT_NE(
        std::string(e.what()).find("h.yaml:2:11: dataset: halving decides on the validation split"),
        std::string::npos)
        << e.what();
  }
}

// A version-4 file (whose CHECK does not know 'pruned') is upgraded on open.
TEST(Halving, AVersion4FileLearnsThePrunedStatus) {
  testing::TempDir dir;
  const auto file = dir / "v4.db";
  std::int64_t id = 0;
  {
    auto db = store::SqliteStore::open(file);
    const auto exp = db.upsert_experiment("e", "", "", "");
    id = db.claim_run(exp, testing::plain_sgd_run()).run_id;
    db.finish_run(id, RunStatus::Done, "", 1.0, 3, 0.5);
  }
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    const char* downgrade =
        "PRAGMA writable_schema = ON;"
        "UPDATE sqlite_master SET sql = replace(sql, ', ''pruned''))', '))') WHERE name = 'runs';"
        "PRAGMA schema_version = 1000;"
        "PRAGMA writable_schema = OFF;"
        "UPDATE meta SET value = 4 WHERE key = 'schema_version';";
    ASSERT_EQ(sqlite3_exec(raw, downgrade, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(raw);
  }
  ASSERT_EQ(testing::scalar(file,
                            "SELECT count(*) FROM sqlite_master WHERE name = 'runs' AND "
                            "sql LIKE '%pruned%'"),
            "0");
  auto db = store::SqliteStore::open(file);
  EXPECT_EQ(testing::scalar(file, "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(store::detail::kSchemaVersion));
  EXPECT_TRUE(db.prune_run(id, "stopped"));
  EXPECT_FALSE(db.prune_run(id, "again")) << "only a done run is pruned";
  EXPECT_EQ(db.run(id)->status, RunStatus::Pruned);
  EXPECT_EQ(db.run(id)->error, "stopped");
  EXPECT_EQ(testing::scalar(file, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace optbench
