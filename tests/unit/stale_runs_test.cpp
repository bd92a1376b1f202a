// Runs left `running` by a process that is gone: a dead pid on this host, or
// a heartbeat older than kStaleAfterSeconds elsewhere, makes them
// `interrupted` and the next sweep redoes them; a live owner's run is left
// alone. Also: files of schema version 2 gain the owner columns on open.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "run/runner.hpp"
#include "store/store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;
using store::Store;

store::RunRecord make_run(const std::string& hash) {
  store::RunRecord r;
  r.config_hash = hash;
  r.optimizer = "sgd";
  r.lr = 0.1;
  return r;
}

void exec(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &conn), SQLITE_OK);
  char* error = nullptr;
  const int rc = sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(conn);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

// A child process claims the run; it either ends at once (leaving the run
// 'running', as kill -9 would) or waits until the write end of the pipe
// `release` is closed.
pid_t claim_in_child(const std::filesystem::path& db, std::int64_t experiment,
                     const std::string& hash, const int* release = nullptr) {
  const pid_t pid = fork();
  if (pid == 0) {
    if (release) close(release[1]);
    try {
      auto store = Store::open(db);
      store.claim_run(experiment, make_run(hash));
    } catch (...) {
      _exit(3);
    }
    char byte;
    if (release) (void)!read(release[0], &byte, 1);
    _exit(0);
  }
  return pid;
}

class StaleRuns : public ::testing::Test {
 protected:
  std::filesystem::path db() const { return dir_ / "s.db"; }
  testing::TempDir dir_;
};

TEST_F(StaleRuns, ARunOfADeadProcessIsMarkedInterruptedAndReclaimed) {
  auto store = Store::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  const pid_t child = claim_in_child(db(), exp, "h");
  ASSERT_EQ(testing::wait_for(child), 0);
  EXPECT_EQ(testing::scalar(db(), "SELECT pid FROM runs"), std::to_string(child));
  EXPECT_EQ(store.recover_stale_runs(), 1u);
  const auto run = store.runs("e").at(0);
  EXPECT_EQ(run.status, RunStatus::Interrupted);
  EXPECT_NE(run.error.find("its process is gone (pid " + std::to_string(child) + " on host "),
            std::string::npos)
      << run.error;
  EXPECT_EQ(store.recover_stale_runs(), 0u);
  const auto claim = store.claim_run(exp, make_run("h"));
  EXPECT_FALSE(claim.already_done);
  EXPECT_TRUE(claim.running_elsewhere.empty());
  EXPECT_EQ(claim.run_id, run.id);
  EXPECT_EQ(testing::scalar(db(), "SELECT pid FROM runs"), std::to_string(getpid()));
}

TEST_F(StaleRuns, ARunOfALiveProcessIsLeftAlone) {
  auto store = Store::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  int release[2];
  ASSERT_EQ(pipe(release), 0);
  const pid_t child = claim_in_child(db(), exp, "h", release);
  ASSERT_TRUE(testing::wait_until(db(), "SELECT count(*) FROM runs", "1", 10));
  EXPECT_EQ(store.recover_stale_runs(), 0u);
  const auto claim = store.claim_run(exp, make_run("h"));
  EXPECT_FALSE(claim.already_done);
  EXPECT_NE(claim.running_elsewhere.find("pid " + std::to_string(child)), std::string::npos)
      << claim.running_elsewhere;
  EXPECT_EQ(store.runs("e").at(0).status, RunStatus::Running);
  close(release[1]);  // the owner ends without finishing the run
  ASSERT_EQ(testing::wait_for(child), 0);
  close(release[0]);
  EXPECT_EQ(store.recover_stale_runs(), 1u);
}

TEST_F(StaleRuns, AnotherHostsRunIsStaleOnlyOnceItsHeartbeatStops) {
  auto store = Store::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  store.claim_run(exp, make_run("h"));
  const std::string ago = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-";
  exec(db(), "UPDATE runs SET host = 'elsewhere', pid = 1, heartbeat = " + ago + "20 seconds')");
  EXPECT_EQ(store.recover_stale_runs(), 0u);
  EXPECT_FALSE(store.claim_run(exp, make_run("h")).running_elsewhere.empty());
  exec(db(), "UPDATE runs SET heartbeat = " + ago + "61 seconds')");
  EXPECT_EQ(store.recover_stale_runs(), 1u);
  EXPECT_EQ(store.runs("e").at(0).status, RunStatus::Interrupted);
}

TEST_F(StaleRuns, HeartbeatRenewsThisProcessesRunsOnly) {
  auto store = Store::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  store.claim_run(exp, make_run("mine"));
  store.claim_run(exp, make_run("theirs"));
  exec(db(), "UPDATE runs SET heartbeat = '2020-01-01T00:00:00.000Z'");
  exec(db(), "UPDATE runs SET pid = pid + 1 WHERE config_hash = 'theirs'");
  store.heartbeat();
  const std::string age =
      "SELECT (julianday('now') - julianday(heartbeat)) * 86400 < 5 FROM runs WHERE config_hash = ";
  EXPECT_EQ(testing::scalar(db(), age + "'mine'"), "1");
  EXPECT_EQ(testing::scalar(db(), age + "'theirs'"), "0");
}

TEST_F(StaleRuns, ASweepRedoesTheRunADeadProcessLeftRunning) {
  const auto& plugins = testing::built_plugins();
  const auto spec = experiment::load_text(
      "name: e\nmodel: {name: quadratic}\noptimizers: [{name: sgd, lr: [0.1, 0.2]}]\n"
      "train: {steps: 10}\n",
      "e.yaml", plugins);
  const auto runs = experiment::expand(spec, plugins);
  std::int64_t exp;
  {
    auto store = Store::open(db());
    exp = store.upsert_experiment(spec.name, spec.title, spec.yaml_text, "e.yaml");
  }
  ASSERT_EQ(testing::wait_for(claim_in_child(db(), exp, runs[1].config_hash)), 0);
  std::ostringstream log;
  run::Options options;
  options.db = db();
  options.log = &log;
  const auto result = run::run_sweep(spec, runs, plugins, options);
  EXPECT_EQ(result.done, 2u);
  EXPECT_NE(log.str().find("marked 1 run(s) of a process that is gone as interrupted"),
            std::string::npos)
      << log.str();
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM runs"), "2");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM metrics"), "22");
}

TEST_F(StaleRuns, AHotJournalOfAKilledWriterIsRolledBackForReaders) {
  {
    auto store = Store::open(db());
    store.upsert_experiment("kept", "", "", "");
  }
  // Back to a rollback journal, as a file is while its schema is created.
  exec(db(), "PRAGMA journal_mode = DELETE");
  const pid_t child = fork();
  if (child == 0) {
    sqlite3* conn = nullptr;
    sqlite3_open(db().c_str(), &conn);
    // A small cache spills the uncommitted rows into the file itself.
    sqlite3_exec(conn,
                 "PRAGMA cache_size = 10; BEGIN; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                 "SELECT i + 1 FROM n WHERE i < 5000) INSERT INTO experiments (name, yaml, "
                 "created) SELECT 'lost' || i, hex(zeroblob(500)), 'x' FROM n",
                 nullptr, nullptr, nullptr);
    _exit(0);  // dies inside the transaction
  }
  ASSERT_EQ(testing::wait_for(child), 0);
  ASSERT_TRUE(std::filesystem::exists(db().string() + "-journal"));
  const auto reader = Store::open(db(), Store::Mode::ReadOnly);
  const auto experiments = reader.experiments();
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].name, "kept");
  EXPECT_EQ(testing::scalar(db(), "PRAGMA integrity_check"), "ok");
}

TEST_F(StaleRuns, AVersion2FileGainsTheOwnerColumnsAndKeepsItsRows) {
  {
    auto store = Store::open(db());
    const auto exp = store.upsert_experiment("e", "", "", "");
    store.claim_run(exp, make_run("h"));
  }
  exec(db(),
       "ALTER TABLE runs DROP COLUMN pid; ALTER TABLE runs DROP COLUMN heartbeat; "
       "UPDATE meta SET value = 2 WHERE key = 'schema_version'");
  auto store = Store::open(db());
  EXPECT_EQ(testing::scalar(db(), "SELECT value FROM meta WHERE key = 'schema_version'"), "3");
  EXPECT_EQ(testing::scalar(db(),
                            "SELECT count(*) FROM pragma_table_info('runs') "
                            "WHERE name IN ('pid', 'heartbeat')"),
            "2");
  EXPECT_EQ(store.runs("e").at(0).config_hash, "h");
  // A version-2 'running' row has no owner, so it counts as abandoned.
  EXPECT_EQ(store.recover_stale_runs(), 1u);
}

}  // namespace
}  // namespace optbench
