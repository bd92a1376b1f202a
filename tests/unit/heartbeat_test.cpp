// The heartbeat outlives a lock held past SQLite's busy timeout. It used to
// stop for good at the first failed beat, so a live sweep's runs went stale
// a minute later and another sweep took them over and trained them again.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "process_support.hpp"
#include "run/heartbeat.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

double heartbeat_age(const fs::path& db) {
  return std::atof(
      testing::scalar(db, "SELECT (julianday('now') - julianday(heartbeat)) * 86400.0 FROM runs")
          .c_str());
}

TEST(Heartbeat, ResumesAfterALockHeldPastTheBusyTimeout) {
  testing::TempDir dir;
  const auto file = dir.path() / "hb.db";
  auto store = store::SqliteStore::open(file);
  const auto experiment = store.upsert_experiment("e", "", "name: e\n", "e.yaml");
  ASSERT_FALSE(store.claim_run(experiment, testing::plain_sgd_run()).already_done);

  const run::Heartbeat heartbeat(file);
  sqlite3* locker = nullptr;
  ASSERT_EQ(sqlite3_open(file.c_str(), &locker), SQLITE_OK);
  // 15 s: the first beat (at 2 s) waits out the 10 s busy timeout and
  // fails at 12 s, well before the lock goes.
  ASSERT_EQ(sqlite3_exec(locker, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::this_thread::sleep_for(std::chrono::seconds(15));
  EXPECT_GT(heartbeat_age(file), 14.0) << "no beat can have landed under the lock";
  // Released, and the last beat made to look a minute old: only a live
  // heartbeat renews it.
  ASSERT_EQ(sqlite3_exec(locker,
                         "UPDATE runs SET heartbeat = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', "
                         "'-100 seconds'); COMMIT",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(locker);
  EXPECT_GT(heartbeat_age(file), 99.0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (heartbeat_age(file) > 5.0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_LT(heartbeat_age(file), 5.0) << "the heartbeat did not resume after the lock";
}

}  // namespace
}  // namespace optbench
