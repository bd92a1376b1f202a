// kill -9 at 20 moments of a sweep (plugin loading, training and its
// commits, chart drawing), each time rerunning the same command: no done
// run is lost, redone or duplicated, runs left behind are redone, the file
// passes PRAGMA integrity_check every time, and a reader polling meanwhile
// never sees a run's history half written. Labelled `kill` (about 10 times
// one uninterrupted sweep): `ctest -LE kill` leaves it out.
#include <gtest/gtest.h>

#include <sys/prctl.h>

#include <atomic>
#include <csignal>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "process_support.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

constexpr int kKills = 20;
constexpr int kSteps = 3000;
constexpr int kRuns = 4;
constexpr int kEarlyKills = 3;  // within the first 10-60 ms: loading plugins

const char* kSweep = R"(name: kills
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: [0.001, 0.002]}
  - {name: adam, lr: [0.001, 0.002]}
train: {steps: 3000}
plots: [loss]
)";

struct Row {
  std::int64_t id = 0;
  std::string status;
  std::string final_loss;
  std::int64_t losses = 0, points = 0;
};

// Every run by config hash, read in one statement (one snapshot).
std::map<std::string, Row> read_runs(const std::filesystem::path& db) {
  std::map<std::string, Row> out;
  sqlite3* conn = nullptr;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(conn);
    return out;
  }
  sqlite3_busy_timeout(conn, 10'000);
  sqlite3_stmt* s = nullptr;
  const char* sql =
      "SELECT config_hash, id, status, quote(final_loss), "
      "(SELECT count(*) FROM metrics m WHERE m.run_id = r.id AND m.name = 'loss'), "
      "(SELECT count(*) FROM trajectories t WHERE t.run_id = r.id) FROM runs r";
  if (sqlite3_prepare_v2(conn, sql, -1, &s, nullptr) == SQLITE_OK) {
    while (sqlite3_step(s) == SQLITE_ROW) {
      Row row;
      row.id = sqlite3_column_int64(s, 1);
      row.status = reinterpret_cast<const char*>(sqlite3_column_text(s, 2));
      row.final_loss = reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
      row.losses = sqlite3_column_int64(s, 4);
      row.points = sqlite3_column_int64(s, 5);
      const auto* hash = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
      EXPECT_TRUE(out.emplace(hash, row).second) << "run " << hash << " stored twice";
    }
  }
  sqlite3_finalize(s);
  sqlite3_close(conn);
  return out;
}

// PRAGMA integrity_check on a read-write connection: a kill inside the
// transaction that creates the schema leaves a hot rollback journal, which
// only a writer may roll back (SqliteStore's read-only open has a writer do that
// first; stale_runs_test checks it).
std::string integrity(const std::filesystem::path& db) {
  sqlite3* conn = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(conn, 10'000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(conn, "PRAGMA integrity_check", -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
  }
  if (out.empty()) out = sqlite3_errmsg(conn);
  sqlite3_close(conn);
  return out;
}

// A run's history is written in whole batches and finished after its last
// batch, so a reader may see none of it or all of it, never a part.
void expect_whole_batches(const std::map<std::string, Row>& runs, const std::string& when) {
  for (const auto& [hash, row] : runs) {
    SCOPED_TRACE(when + ", run " + hash + " (" + row.status + ")");
    if (row.status == "done") {
      EXPECT_EQ(row.losses, kSteps + 1);
      EXPECT_EQ(row.points, kSteps + 1);
    } else {
      EXPECT_TRUE(row.losses == 0 || row.losses == kSteps + 1) << row.losses;
      EXPECT_TRUE(row.points == 0 || row.points == kSteps + 1) << row.points;
    }
  }
}

class KillResume : public ::testing::Test {
 protected:
  void SetUp() override {
    // Workers orphaned by the kill are reparented here and reaped, so each
    // check starts after every process of the killed sweep is gone.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    testing::write_file(dir_ / "kills.yaml", kSweep);
  }
  void TearDown() override { prctl(PR_SET_CHILD_SUBREAPER, 0); }

  pid_t start(const std::filesystem::path& db, const std::string& out) {
    return testing::spawn_optbench(
        {"run", (dir_ / "kills.yaml").string(), "--db", db.string(), "--out",
         (dir_ / "charts").string(), "--jobs", "2", "--format", "png"},
        dir_ / out);
  }
  static void reap_all() {
    while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
    }
  }
  testing::TempDir dir_;
};

TEST_F(KillResume, TwentyKillsLoseAndDuplicateNothing) {
  // The reference: the same sweep never killed.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(testing::wait_for(start(dir_ / "reference.db", "reference.txt")), 0)
      << testing::read_file(dir_ / "reference.txt");
  const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto reference = read_runs(dir_ / "reference.db");
  ASSERT_EQ(reference.size(), static_cast<std::size_t>(kRuns));

  const auto db = dir_ / "killed.db";
  std::atomic<bool> reading{true};
  std::atomic<int> reads{0};
  std::thread reader([&] {
    while (reading) {
      if (std::filesystem::exists(db)) {
        expect_whole_batches(read_runs(db), "reader");
        ++reads;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(3));
    }
  });

  std::mt19937 rng(20241121);  // fixed: the same kill schedule every time
  std::map<std::string, Row> done_before;
  std::map<std::string, int> phases;
  std::set<std::string> left_running;
  for (int k = 0; k < kKills; ++k) {
    SCOPED_TRACE("kill " + std::to_string(k));
    // A few at the very start, the rest spread over the whole command.
    const double u = std::uniform_real_distribution<>(0, 1)(rng);
    const double at = k < kEarlyKills ? 0.01 * (k + 1) * (1 + u)
                                      : full * (k - kEarlyKills + u) / (kKills - kEarlyKills);
    const pid_t pid = start(db, "killed.txt");
    std::this_thread::sleep_for(std::chrono::duration<double>(at));
    kill(pid, SIGKILL);
    testing::wait_for(pid);
    reap_all();
    const auto out = testing::read_file(dir_ / "killed.txt");
    phases[out.find("experiment kills:") == std::string::npos ? "loading"
           : out.find(" done, ") == std::string::npos         ? "training"
                                                              : "drawing or finished"]++;

    if (!std::filesystem::exists(db)) {  // killed before it created the file
      EXPECT_TRUE(done_before.empty());
      continue;
    }
    EXPECT_EQ(integrity(db), "ok");
    const auto runs = read_runs(db);
    expect_whole_batches(runs, "after the kill");
    for (const auto& [hash, row] : done_before) {
      ASSERT_TRUE(runs.contains(hash)) << "done run lost";
      EXPECT_EQ(runs.at(hash).status, "done");
      EXPECT_EQ(runs.at(hash).id, row.id);
      EXPECT_EQ(runs.at(hash).final_loss, row.final_loss) << "done run redone";
    }
    for (const auto& [hash, row] : runs) {
      if (row.status == "done") done_before[hash] = row;
      if (row.status == "running" || row.status == "interrupted") left_running.insert(hash);
    }
  }

  // The same command once more, to the end.
  ASSERT_EQ(testing::wait_for(start(db, "final.txt")), 0) << testing::read_file(dir_ / "final.txt");
  reading = false;
  reader.join();
  EXPECT_EQ(integrity(db), "ok");
  const auto runs = read_runs(db);
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kRuns));
  for (const auto& [hash, row] : runs) {
    SCOPED_TRACE(hash);
    EXPECT_EQ(row.status, "done");
    EXPECT_EQ(row.losses, kSteps + 1);
    EXPECT_EQ(row.points, kSteps + 1);
    // Redone runs give the uninterrupted sweep's result, bit for bit.
    EXPECT_EQ(row.final_loss, reference.at(hash).final_loss);
  }
  EXPECT_FALSE(left_running.empty()) << "no kill landed mid-run; the schedule is too short";
  std::string summary;
  for (const auto& [phase, n] : phases)
    summary += phase + ": " + std::to_string(n) + "  ";
  std::cout << "[ kills  ] " << summary << "; runs left behind and redone: " << left_running.size()
            << "; reader snapshots: " << reads << "; uninterrupted sweep " << full << " s\n";
}

}  // namespace
}  // namespace optbench
