// One definition of each stored result, the same in the database, on
// screen and in the export; the database path and every exit code; the flat
// view for pandas; the order of piped output; and a version-3 database made
// by the previous release opening and upgrading.
#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <string>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "run/execute.hpp"
#include "run/stop.hpp"
#include "spec_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"
#include "tiny_mnist.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using testing::run_optbench;
using testing::scalar;

// 100 samples in batches of 64: the last batch holds 36, so the last
// batch's loss and the epoch's mean differ.
class Results : public testing::TinyMnistTest {
 protected:
  Results() : TinyMnistTest(100, 40) {
    testing::write_file(dir_ / "d.yaml", R"(name: defs
model: {name: mlp, hidden: [16]}
dataset: {name: idx, dir: data}
optimizers:
  - {name: sgd, lr: 0.05}
train: {epochs: 2, batch_size: 64}
)");
  }
  std::string sql(const std::string& q) { return scalar(db_, q); }
  fs::path db_ = dir_ / "r.db";
};

// Finding 5: final_loss was the last mini-batch's loss.
TEST_F(Results, FinalLossIsTheLastEpochsMeanWithFinalTestLossAndAccuracy) {
  const auto r =
      run_optbench("run " + (dir_ / "d.yaml").string() + " --no-plots --db " + db_.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto db = store::SqliteStore::open(db_, store::SqliteStore::Mode::ReadOnly);
  const auto runs = db.runs("defs");
  ASSERT_EQ(runs.size(), 1u);
  const auto& run = runs[0];
  const auto epoch_loss = db.metrics(run.id, "epoch_loss");
  const auto batch_loss = db.metrics(run.id, "loss");
  const auto test_loss = db.metrics(run.id, "loss", "test");
  const auto accuracy = db.metrics(run.id, "accuracy", "test");
  ASSERT_EQ(epoch_loss.size(), 2u);
  EXPECT_EQ(run.final_loss, epoch_loss.back().value);  // bit for bit
  ASSERT_FALSE(batch_loss.empty());
  EXPECT_NE(run.final_loss, batch_loss.back().value) << "not the last batch's loss";
  ASSERT_TRUE(run.final_test_loss && run.final_accuracy);
  EXPECT_EQ(*run.final_test_loss, test_loss.back().value);
  EXPECT_EQ(*run.final_accuracy, accuracy.back().value);
  EXPECT_GE(*run.final_accuracy, 0.0);
  EXPECT_LE(*run.final_accuracy, 1.0);

  // Finding 7: epochs from 1 and accuracy as a fraction, everywhere.
  EXPECT_EQ(epoch_loss.front().epoch, 1);
  EXPECT_EQ(batch_loss.front().epoch, 1);
  EXPECT_EQ(sql("SELECT min(epoch) || '-' || max(epoch) FROM metrics"), "1-2");
  const auto exported = run_optbench("export --db " + db_.string() + " --table metrics");
  const auto rows = testing::parse_csv(exported.out);
  ASSERT_GT(rows.size(), 1u);
  const auto column = [&](const std::string& name) {
    for (std::size_t c = 0; c < rows[0].size(); ++c)
      if (rows[0][c] == name) return c;
    ADD_FAILURE() << "no column " << name;
    return std::size_t{0};
  };
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const int epoch = std::stoi(rows[i][column("epoch")]);
    EXPECT_TRUE(epoch == 1 || epoch == 2) << "row " << i;
  }
  char want[64];
  std::snprintf(want, sizeof want, "test accuracy %.4f", accuracy.back().value);
  EXPECT_TRUE(testing::contains(r.out, want)) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "epoch 1/2 ")) << r.out;
  EXPECT_FALSE(testing::contains(r.out, "%")) << r.out;

  const auto runs_csv =
      testing::parse_csv(run_optbench("export --db " + db_.string() + " --table runs").out);
  ASSERT_EQ(runs_csv.size(), 2u);
  for (std::size_t c = 0; c < runs_csv[0].size(); ++c) {
    if (runs_csv[0][c] == "final_accuracy") {
      EXPECT_EQ(std::stod(runs_csv[1][c]), *run.final_accuracy);
    }
  }
}

// A run stopped before its first step has no final loss (it showed 0).
TEST(FinalLoss, ARunInterruptedBeforeItsFirstStepHasNone) {
  testing::TempDir dir;
  testing::write_file(dir / "s.yaml", R"(name: stopped
model: {name: linear}
dataset: {name: synthetic_linear, samples: 200}
optimizers:
  - {name: sgd, lr: 0.03}
train: {epochs: 3, batch_size: 10}
)");
  const auto& plugins = testing::built_plugins();
  const auto spec = experiment::load_file(dir / "s.yaml", plugins);
  const auto runs = experiment::expand(spec, plugins);
  ASSERT_EQ(runs.size(), 1u);
  const fs::path file = dir / "r.db";
  auto db = store::SqliteStore::open(file);
  const auto exp = db.upsert_experiment(spec.name, spec.title, spec.yaml_text, "s.yaml");
  const auto claim = db.claim_run(exp, run::claim_record(spec, runs[0], 1));
  run::Outcome outcome;
  {
    const run::SignalScope signals;
    std::raise(SIGINT);  // recorded by the scope's handler: the loop stops at step 0
    outcome = run::execute_run(db, {spec, plugins, exp, 1}, runs[0], claim.run_id, {});
  }
  EXPECT_EQ(outcome.result.status, store::RunStatus::Interrupted);
  EXPECT_EQ(outcome.result.steps, 0);
  EXPECT_EQ(scalar(file, "SELECT quote(final_loss) || ' ' || steps || ' ' || status FROM runs"),
            "NULL 0 interrupted");
  EXPECT_TRUE(std::isnan(db.runs("stopped").at(0).final_loss));
}

// Finding 12: one column per hyperparameter for pandas.read_sql.
TEST_F(Results, RunsFlatHasOneColumnPerHyperparameter) {
  ASSERT_EQ(run_optbench("run " + (dir_ / "d.yaml").string() + " --no-plots --db " + db_.string())
                .exit_code,
            0);
  const auto r = run_optbench("query --db " + db_.string() +
                              " --sql \"SELECT label, optimizer_lr, optimizer_momentum, "
                              "model_hidden, dataset_dir, train_epochs, final_accuracy IS NOT "
                              "NULL AS has_accuracy FROM runs_flat\"");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out,
            "label,optimizer_lr,optimizer_momentum,model_hidden,dataset_dir,train_epochs,"
            "has_accuracy\nsgd,0.05,0,[16],data,2,1\n");
}

// Finding 6: --db in a missing folder created it; charts went to ./results.
TEST_F(Results, DbInAMissingFolderIsRefusedAndChartsGoBesideTheDatabase) {
  testing::write_file(dir_ / "f.yaml",
                      testing::quadratic_experiment("beside", "name: sgd, lr: 0.1", 5));
  auto r = run_optbench("run " + (dir_ / "f.yaml").string() + " --db " +
                        (dir_ / "nowhere/sub/x.db").string());
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "does not exist")) << r.out;
  EXPECT_FALSE(fs::exists(dir_ / "nowhere"));

  fs::create_directories(dir_ / "store");
  r = run_optbench("run " + (dir_ / "f.yaml").string() + " --format svg --db " +
                   (dir_ / "store/x.db").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "store/beside/beside-loss-quadratic.svg")) << r.out;
  r = run_optbench("plot --db " + (dir_ / "store/x.db").string() +
                   " -e beside --kind contours --format svg");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(fs::exists(dir_ / "store/beside/beside-contours-quadratic.svg")) << r.out;
}

// Every exit code as the help states it, one command each.
TEST_F(Results, EveryExitCodeAsTheHelpSays) {
  const std::string help = run_optbench("--help").out;
  EXPECT_TRUE(testing::contains(help, "2 bad input")) << help;
  EXPECT_TRUE(testing::contains(help, "3 the database file is damaged")) << help;
  testing::write_file(dir_ / "ok.yaml",
                      testing::quadratic_experiment("codes", "name: sgd, lr: 0.1", 5));
  const std::string db = (dir_ / "codes.db").string();
  EXPECT_EQ(run_optbench("run " + (dir_ / "ok.yaml").string() + " --no-plots --db " + db).exit_code,
            0);
  // 1: a runtime failure (a run timed out).
  EXPECT_EQ(run_optbench("run " + (dir_ / "ok.yaml").string() +
                         " --no-plots --timeout 0.001 --retry all --db " + db)
                .exit_code,
            1);
  // 2: usage, a bad file, a missing database for every reading command.
  EXPECT_EQ(run_optbench("run --no-such-option").exit_code, 2);
  EXPECT_EQ(run_optbench("nosuchcommand").exit_code, 2);
  const std::string missing = (dir_ / "missing.db").string();
  for (const std::string command : {"runs", "summary", "export", "query --sql 'SELECT 1'",
                                    "plot -e codes", "report -e codes"}) {
    const auto r = run_optbench(command + " --db " + missing);
    EXPECT_EQ(r.exit_code, 2) << command << "\n" << r.out;
    EXPECT_TRUE(testing::contains(r.out, "no such results database")) << command << "\n" << r.out;
  }
  EXPECT_FALSE(fs::exists(missing));
  // 3: a damaged file.
  testing::write_file(dir_ / "junk.db", std::string(4096, 'x'));
  EXPECT_EQ(run_optbench("runs --db " + (dir_ / "junk.db").string()).exit_code, 3);
}

// Finding 8: the header came after the workers' first lines when piped.
TEST_F(Results, PipedOutputStartsWithTheExperimentHeader) {
  testing::write_file(dir_ / "two.yaml", R"(name: piped
model: {name: mlp, hidden: [16]}
dataset: {name: idx, dir: data}
optimizers:
  - {name: sgd, lr: [0.05, 0.1]}
train: {epochs: 2, batch_size: 64}
)");
  // popen: stdout is a pipe, as in `optbench run ... | tee log`.
  const auto r = run_optbench("run " + (dir_ / "two.yaml").string() + " --jobs 2 --no-plots --db " +
                              db_.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto header = r.out.find("experiment piped: 2 runs on 2 jobs");
  const auto first_epoch = r.out.find("epoch 1/2");
  ASSERT_NE(header, std::string::npos) << r.out;
  ASSERT_NE(first_epoch, std::string::npos) << r.out;
  EXPECT_LT(header, first_epoch) << r.out;
}

// Finding 9: a missing --plugin-dir went unnoticed.
TEST_F(Results, MissingPluginFoldersAreNamed) {
  const auto r = run_optbench("plugins --plugin-dir " + (dir_ / "no-plugins").string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(
      r.out, "warning: --plugin-dir " + (dir_ / "no-plugins").string() + ": no such folder"))
      << r.out;
  const auto searched = r.out.substr(r.out.find("searched:"));
  const auto line_end = searched.find('\n');
  EXPECT_FALSE(testing::contains(searched.substr(0, line_end), "no-plugins")) << r.out;
  EXPECT_TRUE(testing::contains(searched.substr(line_end), "not found, so not searched:")) << r.out;
}

// The previous release's database (schema 3, made by its binary) opens,
// upgrades in place, and keeps every run; its data run gets the new
// definitions; rerunning its experiment retrains, since its runs recorded
// no plugin identity.
TEST(SchemaUpgrade, AVersionThreeDatabaseOpensAndUpgrades) {
  testing::TempDir dir;
  const fs::path db = dir / "v3.db";
  fs::copy_file(fs::path(OPTBENCH_TEST_SOURCE_DIR) / "tests/fixtures/db/schema_v3.db", db);
  ASSERT_EQ(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
  const std::string batch_loss = scalar(db,
                                        "SELECT final_loss FROM runs WHERE experiment_id = "
                                        "(SELECT id FROM experiments WHERE name = 'v3-data')");
  const std::string last_epoch_loss =
      scalar(db,
             "SELECT value FROM metrics WHERE run_id = 5 AND name = 'epoch_loss' "
             "ORDER BY step DESC LIMIT 1");
  ASSERT_NE(batch_loss, last_epoch_loss);

  auto r = run_optbench("runs --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  // Version 5 widened the status check in place to admit 'pruned'.
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM sqlite_master WHERE name = 'runs' AND "
                   "sql LIKE '%''interrupted'', ''pruned''))%'"),
            "1");
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM runs WHERE in_grid AND provenance = '{}' AND "
                   "attempts = 1"),
            "6");
  EXPECT_EQ(scalar(db, "SELECT final_loss FROM runs WHERE id = 5"), last_epoch_loss);
  EXPECT_EQ(scalar(db, "SELECT min(epoch) FROM metrics WHERE run_id = 5"), "1");
  EXPECT_EQ(scalar(db, "SELECT max(epoch) FROM metrics WHERE run_id = 5"), "2");
  EXPECT_EQ(scalar(db, "SELECT max(epoch) FROM metrics WHERE run_id = 1"), "0");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM metrics WHERE run_id = 5"), "36");
  EXPECT_EQ(scalar(db, "SELECT status FROM runs WHERE id = 6"), "failed");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM runs_flat"), "6");
  EXPECT_EQ(scalar(db, "SELECT optimizer_lr FROM runs_flat WHERE run_id = 3"), "0.2");
  EXPECT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");

  const auto yaml = scalar(db, "SELECT yaml FROM experiments WHERE name = 'v3-fixture'");
  testing::write_file(dir / "v3fix.yaml", yaml);
  r = run_optbench("run " + (dir / "v3fix.yaml").string() + " --no-plots --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "4 done, 0 diverged, 0 failed, 0 already")) << r.out;
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM runs WHERE NOT in_grid"), "4");
}

// A version-5 database (made by that version's binary: two done runs and a
// failed one) upgrades in place: every run kept with its history, and each
// finished run recorded as trained where it was stored, on no MPI rank.
TEST(SchemaUpgrade, AVersionFiveDatabaseRecordsWhereItsRunsWereTrained) {
  testing::TempDir dir;
  const fs::path db = dir / "v5.db";
  fs::copy_file(fs::path(OPTBENCH_TEST_SOURCE_DIR) / "tests/fixtures/db/schema_v5.db", db);
  ASSERT_EQ(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "5");
  const auto points = scalar(db, "SELECT count(*) FROM metrics");
  ASSERT_EQ(points, "22");
  const auto r = run_optbench("runs --db " + db.string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(scalar(db, "SELECT value FROM meta WHERE key = 'schema_version'"), "6");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM metrics"), points);
  EXPECT_EQ(scalar(db,
                   "SELECT count(*) FROM runs WHERE trained_host = host AND "
                   "trained_rank IS NULL"),
            "3");
  EXPECT_EQ(scalar(db,
                   "SELECT status FROM run_summary WHERE trained_host = 'vm' AND "
                   "trained_rank IS NULL AND run_id = 3"),
            "failed");
  EXPECT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace optbench
