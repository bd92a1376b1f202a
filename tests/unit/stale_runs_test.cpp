// Runs left `running` by a process that is gone: a dead pid on this host, or
// a heartbeat older than kStaleAfterSeconds elsewhere, makes them
// `interrupted` and the next sweep redoes them; a live owner's run is left
// alone. Also: files of schema version 2 gain the owner columns on open.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "process_support.hpp"
#include "run/runner.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using store::RunStatus;
using store::SqliteStore;

store::RunRecord make_run(const std::string& hash) {
  store::RunRecord r;
  r.config_hash = hash;
  r.optimizer = "sgd";
  r.lr = 0.1;
  return r;
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
      auto store = SqliteStore::open(db);
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
  auto store = SqliteStore::open(db());
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
  auto store = SqliteStore::open(db());
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
  auto store = SqliteStore::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  store.claim_run(exp, make_run("h"));
  const std::string ago = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-";
  testing::exec_sql(
      db(), "UPDATE runs SET host = 'elsewhere', pid = 1, heartbeat = " + ago + "20 seconds')");
  EXPECT_EQ(store.recover_stale_runs(), 0u);
  EXPECT_FALSE(store.claim_run(exp, make_run("h")).running_elsewhere.empty());
  testing::exec_sql(db(), "UPDATE runs SET heartbeat = " + ago + "61 seconds')");
  EXPECT_EQ(store.recover_stale_runs(), 1u);
  EXPECT_EQ(store.runs("e").at(0).status, RunStatus::Interrupted);
}

TEST_F(StaleRuns, HeartbeatRenewsThisProcessesRunsOnly) {
  auto store = SqliteStore::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  store.claim_run(exp, make_run("mine"));
  store.claim_run(exp, make_run("theirs"));
  testing::exec_sql(db(), "UPDATE runs SET heartbeat = '2020-01-01T00:00:00.000Z'");
  testing::exec_sql(db(), "UPDATE runs SET pid = pid + 1 WHERE config_hash = 'theirs'");
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
    auto store = SqliteStore::open(db());
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

TEST_F(StaleRuns, WritesToARunTakenOverAreRefusedAndChangeNothing) {
  auto store = SqliteStore::open(db());
  const auto exp = store.upsert_experiment("e", "", "", "");
  const auto id = store.claim_run(exp, make_run("h")).run_id;
  const std::vector<store::MetricPoint> points{{0, 0, "train", "loss", 1.0, 0.0},
                                               {1, 0, "train", "loss", 0.5, 0.1}};
  store.append_metrics(id, points);
  // Another process (pid 1 is always alive) has reclaimed the run.
  testing::exec_sql(db(), "UPDATE runs SET pid = 1");
  const auto refused = [&](auto&& write) {
    try {
      write();
    } catch (const store::RunTakenOver& e) {
      return std::string(e.what());
    }
    return std::string("<not refused>");
  };
  const std::string why = refused([&] { store.append_metrics(id, points); });
  EXPECT_NE(why.find("appending metrics of run " + std::to_string(id) +
                     ": the run is no longer this process's (now run by pid 1 on host "),
            std::string::npos)
      << why;
  const std::vector<store::TrajectoryPoint> path{{0, 1.0, 2.0}};
  EXPECT_NE(refused([&] { store.append_trajectory(id, path); }), "<not refused>");
  EXPECT_NE(refused([&] { store.finish_run(id, RunStatus::Done, "", 1.0, 1, 0.5); }),
            "<not refused>");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM metrics"), "2");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM trajectories"), "0");
  EXPECT_EQ(testing::scalar(db(), "SELECT status || ' ' || pid FROM runs"), "running 1");
  // Marked interrupted by a recovering process, not yet claimed again.
  testing::exec_sql(db(),
                    "UPDATE runs SET status = 'interrupted', pid = " + std::to_string(getpid()));
  EXPECT_NE(refused([&] { store.append_metrics(id, points); }).find("marked interrupted meanwhile"),
            std::string::npos);
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM metrics"), "2");
}

void signal_all(const std::vector<pid_t>& pids, int sig) {
  for (pid_t p : pids)
    ASSERT_EQ(kill(p, sig), 0) << "pid " << p;
}

// The case the refusal exists for: a sweep stopped (SIGSTOP) long enough for
// its heartbeat to go stale, a second sweep redoing its run, and the first
// resuming. Its late writes must not land in the redone run. On threads
// (--in-process) and with a worker process (--isolate), whose refusal the
// host reports.
class PausedSweep : public StaleRuns, public ::testing::WithParamInterface<const char*> {};

TEST_P(PausedSweep, DoesNotWriteIntoTheRunAnotherSweepRedid) {
  const auto yaml = dir_ / "e.yaml";
  testing::write_file(yaml,
                      "name: e\nmodel: {name: quadratic}\noptimizers: [{name: sgd, lr: 0.01}]\n"
                      "train: {steps: 1000000, record_every: 10000}\n");
  const auto first_out = dir_ / "first.txt", second_out = dir_ / "second.txt";
  const std::vector<std::string> args{"run",         yaml.string(), "--db",
                                      db().string(), GetParam(),    "--no-plots"};
  const pid_t first = testing::spawn_optbench(args, first_out);
  // The surface is stored once training has started (by the worker, if any).
  ASSERT_TRUE(testing::wait_until(db(), "SELECT count(*) FROM surfaces", "1", 20));
  std::vector<pid_t> sweep{first};
  for (pid_t worker : testing::children_of(first))
    sweep.push_back(worker);
  ASSERT_EQ(sweep.size(), std::string(GetParam()) == "--isolate" ? 2u : 1u);
  // Stopped outside a transaction: one that a stopped process holds blocks
  // every writer (SQLite's lock), which is not the case under test.
  bool stopped_idle = false;
  for (int attempt = 0; attempt < 50 && !stopped_idle; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    signal_all(sweep, SIGSTOP);
    sqlite3* conn = nullptr;
    ASSERT_EQ(sqlite3_open(db().c_str(), &conn), SQLITE_OK);
    stopped_idle =
        sqlite3_exec(conn, "BEGIN IMMEDIATE; ROLLBACK;", nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(conn);
    if (!stopped_idle) signal_all(sweep, SIGCONT);
  }
  ASSERT_TRUE(stopped_idle);
  ASSERT_EQ(testing::scalar(db(), "SELECT status FROM runs"), "running");
  // As if the pause had lasted over a minute.
  testing::exec_sql(
      db(), "UPDATE runs SET heartbeat = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-61 seconds')");
  const pid_t second = testing::spawn_optbench(args, second_out);
  const int second_status = testing::wait_for(second);
  signal_all(sweep, SIGCONT);
  const int first_status = testing::wait_for(first);
  const std::string first_log = testing::read_file(first_out);
  const std::string second_log = testing::read_file(second_out);
  EXPECT_TRUE(WIFEXITED(second_status) && WEXITSTATUS(second_status) == 0) << second_log;
  EXPECT_NE(second_log.find("marked 1 run(s) of a process that is gone as interrupted"),
            std::string::npos)
      << second_log;
  // Exit 1: this sweep did not finish the run; the second one did.
  EXPECT_TRUE(WIFEXITED(first_status) && WEXITSTATUS(first_status) == 1) << first_log;
  EXPECT_NE(first_log.find(": taken over by another process, this attempt stopped ("),
            std::string::npos)
      << first_log;
  EXPECT_NE(first_log.find("0 done, 0 diverged, 0 failed, 0 already in the database, 1 taken over"),
            std::string::npos)
      << first_log;
  // One history, the second sweep's: steps 0, 10000, ..., 1000000.
  EXPECT_EQ(testing::scalar(db(), "SELECT status || ' ' || pid FROM runs"),
            "done " + std::to_string(second));
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM metrics WHERE name = 'loss'"), "101");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(DISTINCT step) FROM metrics WHERE name = 'loss'"),
            "101");
}

INSTANTIATE_TEST_SUITE_P(Modes, PausedSweep, ::testing::Values("--in-process", "--isolate"),
                         [](const auto& test) {
                           return std::string(test.param) == "--isolate" ? "Workers" : "Threads";
                         });

TEST_F(StaleRuns, AHotJournalOfAKilledWriterIsRolledBackForReaders) {
  {
    auto store = SqliteStore::open(db());
    store.upsert_experiment("kept", "", "", "");
  }
  // Back to a rollback journal, as a file is while its schema is created.
  testing::exec_sql(db(), "PRAGMA journal_mode = DELETE");
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
  const auto reader = SqliteStore::open(db(), SqliteStore::Mode::ReadOnly);
  const auto experiments = reader.experiments();
  ASSERT_EQ(experiments.size(), 1u);
  EXPECT_EQ(experiments[0].name, "kept");
  EXPECT_EQ(testing::scalar(db(), "PRAGMA integrity_check"), "ok");
}

TEST_F(StaleRuns, AVersion2FileGainsTheOwnerColumnsAndKeepsItsRows) {
  {
    auto store = SqliteStore::open(db());
    const auto exp = store.upsert_experiment("e", "", "", "");
    store.claim_run(exp, make_run("h"));
  }
  // Back to version 2: without the columns versions 3 and 4 added (and
  // the views that show them).
  testing::exec_sql(
      db(),
      "DROP VIEW runs_flat; DROP VIEW run_summary; "
      "ALTER TABLE runs DROP COLUMN pid; ALTER TABLE runs DROP COLUMN heartbeat; "
      "ALTER TABLE runs DROP COLUMN final_test_loss; ALTER TABLE runs DROP COLUMN final_accuracy; "
      "ALTER TABLE runs DROP COLUMN provenance; ALTER TABLE runs DROP COLUMN in_grid; "
      "ALTER TABLE runs DROP COLUMN attempts; "
      "UPDATE meta SET value = 2 WHERE key = 'schema_version'");
  auto store = SqliteStore::open(db());
  EXPECT_EQ(testing::scalar(db(), "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(store::detail::kSchemaVersion));
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
