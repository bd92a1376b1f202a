// Failures of the environment are not results. A run stopped by a full
// disk, a lock held past the busy timeout, a worker killed from outside or
// data files that are missing is stored `interrupted` and trained again by
// the next run of the experiment; before, each was stored `failed` for good
// and skipped by every rerun.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <thread>

#include "process_support.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

std::string statuses(const fs::path& db) {
  return testing::scalar(db,
                         "SELECT group_concat(status, ',') FROM (SELECT status FROM runs "
                         "ORDER BY id)");
}

class RetryableFailures : public ::testing::Test {
 protected:
  fs::path db() const { return dir_.path() / "r.db"; }
  testing::Result run(const fs::path& yaml, const std::string& extra) {
    return testing::run_optbench("run '" + yaml.string() + "' --db '" + db().string() +
                                 "' --no-plots " + extra);
  }
  /// SGD at `lr` (one value or a list) on the quadratic for `steps`: long
  /// enough to be caught mid-run. Written as `file`, named for it.
  fs::path long_sweep(const std::string& file, const std::string& lr, std::int64_t steps,
                      int record_every) {
    const auto yaml = dir_.path() / file;
    testing::write_file(yaml, "name: " + yaml.stem().string() +
                                  "\nmodel: quadratic\noptimizers: [{name: sgd, lr: " + lr +
                                  "}]\ntrain: {steps: " + std::to_string(steps) +
                                  ", record_every: " + std::to_string(record_every) + "}\n");
    return yaml;
  }
  testing::TempDir dir_;
};

// Missing data is found by the checks before the first run: nothing is
// stored, so nothing stands in the way of the run once the file is there.
// (Data that vanishes while a sweep runs is stored `interrupted` with "data
// unavailable", by the same classification as the other environment faults.)
TEST_F(RetryableFailures, MissingDataIsRefusedBeforeAnyRunAndTrainsOnceThere) {
  const auto yaml = dir_.path() / "table.yaml";
  testing::write_file(yaml,
                      "name: t\ndataset: {name: table, path: data.csv}\nmodel: linear\n"
                      "optimizers: [{name: sgd, lr: 0.01}]\ntrain: {epochs: 1, batch_size: 4}\n");
  const auto first = run(yaml, "--jobs 1");
  EXPECT_EQ(first.exit_code, 2) << first.out;
  EXPECT_NE(first.out.find("table.yaml:2:11: dataset: table"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("data.csv: table file not found"), std::string::npos) << first.out;
  EXPECT_FALSE(fs::exists(db())) << "nothing stored, not even the database";

  std::string table = "x,y\n";
  for (int i = 0; i < 20; ++i)
    table += std::to_string(i) + "," + std::to_string(2 * i + 1) + "\n";
  testing::write_file(dir_.path() / "data.csv", table);
  const auto second = run(yaml, "--jobs 1");
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(statuses(db()), "done");
  EXPECT_EQ(testing::scalar(db(), "SELECT count(*) FROM runs"), "1") << "the same run, redone";
}

TEST_F(RetryableFailures, AWorkerKilledFromOutsideIsRetried) {
  const auto yaml = long_sweep("long.yaml", "0.001", 3000000, 100);
  const pid_t host = testing::spawn_optbench(
      {"run", yaml.string(), "--db", db().string(), "--no-plots", "--isolate", "--jobs", "1"},
      dir_.path() / "first.txt");
  ASSERT_TRUE(testing::wait_until(db(), "SELECT count(*) FROM surfaces", "1", 30));
  const auto workers = testing::children_of(host);
  ASSERT_EQ(workers.size(), 1u);
  // As the OOM killer or a user would.
  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  const int status = testing::wait_for(host);
  const std::string out = testing::read_file(dir_.path() / "first.txt");
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 1) << out;
  EXPECT_EQ(statuses(db()), "interrupted") << out;
  const std::string error = testing::scalar(db(), "SELECT error FROM runs");
  EXPECT_NE(error.find("killed by SIGKILL"), std::string::npos) << error;
  EXPECT_NE(error.find("from outside the run"), std::string::npos) << error;

  const auto second = run(yaml, "--isolate --jobs 1");
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(statuses(db()), "done");
  EXPECT_EQ(testing::scalar(db(), "SELECT steps FROM runs"), "3000000");
}

// A writer holds the file's lock for 12 s, past the 10 s busy timeout,
// while a run is recording: its append fails with "database is locked".
// On threads and in a worker process.
class LockedDatabase : public RetryableFailures,
                       public ::testing::WithParamInterface<const char*> {};

TEST_P(LockedDatabase, StopsTheSweepAndTheRunIsRetried) {
  const auto yaml = long_sweep("locked.yaml", "[0.001, 0.002]", 2000000, 10);
  const pid_t host = testing::spawn_optbench(
      {"run", yaml.string(), "--db", db().string(), "--no-plots", GetParam(), "--jobs", "1"},
      dir_.path() / "first.txt");
  ASSERT_TRUE(testing::wait_until(db(), "SELECT count(*) > 0 FROM metric_chunks", "1", 30));
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(db().c_str(), &locker), SQLITE_OK);
  sqlite3_busy_timeout(locker, 10'000);
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::this_thread::sleep_for(std::chrono::seconds(12));
  ASSERT_EQ(sqlite3_exec(locker, "COMMIT", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(locker);
  const int status = testing::wait_for(host);
  const std::string out = testing::read_file(dir_.path() / "first.txt");
  ASSERT_TRUE(WIFEXITED(status)) << out;
  EXPECT_EQ(WEXITSTATUS(status), 1) << out;
  EXPECT_NE(out.find("database is locked"), std::string::npos) << out;
  // The sweep stopped: the second run never started, the first is to be
  // redone, nothing is `failed`.
  EXPECT_EQ(statuses(db()), "interrupted") << out;
  EXPECT_NE(testing::scalar(db(), "SELECT error FROM runs").find("storage error"),
            std::string::npos);

  const auto second = run(yaml, std::string(GetParam()) + " --jobs 1");
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(statuses(db()), "done,done");
}

INSTANTIATE_TEST_SUITE_P(Modes, LockedDatabase, ::testing::Values("--in-process", "--isolate"),
                         [](const auto& test) {
                           return std::string(test.param) == "--isolate" ? "Worker" : "Thread";
                         });

// A 2 MB filesystem fills up in the middle of a sweep; once it has grown,
// the rerun trains what is missing and nothing was stored as a result.
TEST_F(RetryableFailures, AFullDiskStopsTheSweepAndTheRerunCompletesIt) {
  const fs::path disk = dir_.path() / "disk";
  fs::create_directories(disk);
  if (mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=2m") != 0) {
    GTEST_SKIP() << "mount(2) of a tmpfs is not permitted here";
  }
  struct Unmount {
    fs::path at;
    ~Unmount() { umount2(at.c_str(), MNT_DETACH); }
  } unmount{disk};
  const auto yaml = dir_.path() / "full.yaml";
  testing::write_file(yaml,
                      "name: f\nmodel: quadratic\noptimizers: [{name: sgd, lr: {logspace: "
                      "[1.0e-4, 1.0e-2, 8]}}]\ntrain: {steps: 30000}\n");
  const auto db_on_disk = disk / "full.db";
  const auto first = testing::run_optbench("run '" + yaml.string() + "' --db '" +
                                           db_on_disk.string() + "' --no-plots --jobs 1");
  EXPECT_EQ(first.exit_code, 1) << first.out;
  const std::string all = statuses(db_on_disk);
  EXPECT_EQ(all.find("failed"), std::string::npos) << all << "\n" << first.out;
  EXPECT_NE(all.find("interrupted"), std::string::npos) << all << "\n" << first.out;

  ASSERT_EQ(mount("tmpfs", disk.c_str(), "tmpfs", MS_REMOUNT, "size=64m"), 0);
  const auto second = testing::run_optbench("run '" + yaml.string() + "' --db '" +
                                            db_on_disk.string() + "' --no-plots --jobs 1");
  EXPECT_EQ(second.exit_code, 0) << second.out;
  EXPECT_EQ(statuses(db_on_disk), "done,done,done,done,done,done,done,done");
}

}  // namespace
}  // namespace optbench
