// Helpers for tests that drive optbench as a real child process: start it
// with its pid in hand (to signal or kill it, or to run several at once),
// read single figures from the database it writes, and change that file
// behind its back.
#pragma once

#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "store/records.hpp"
#include "util/spawn.hpp"

namespace optbench::testing {

/// A run to claim where only its identity matters: SGD at lr 0.1, config
/// hash "h".
inline store::RunRecord plain_sgd_run() {
  store::RunRecord run;
  run.config_hash = "h";
  run.optimizer = "sgd";
  run.lr = 0.1;
  return run;
}

/// Starts `optbench ARGS` with stdout and stderr going to `output`, without
/// OPTBENCH_PLUGIN_PATH. Returns its pid.
inline pid_t spawn_optbench(const std::vector<std::string>& args,
                            const std::filesystem::path& output) {
  return util::spawn_process(OPTBENCH_TEST_BINARY, args,
                             {.unset_env = {"OPTBENCH_PLUGIN_PATH"}, .output = output});
}

/// Waits for the child and returns its raw wait status.
inline int wait_for(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

/// The first column of the first row of `sql` on a read-only connection,
/// as text ("" for no row or NULL).
inline std::string scalar(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  std::string out;
  if (sqlite3_open_v2(db.c_str(), &conn, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_busy_timeout(conn, 10'000);
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(conn, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0) != nullptr) {
      out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(conn);
  return out;
}

/// Runs `sql` on the file directly, behind optbench's back (to set up states
/// its API never produces); fails the test on an SQL error.
inline void exec_sql(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &conn), SQLITE_OK);
  sqlite3_busy_timeout(conn, 5000);
  char* error = nullptr;
  const int rc = sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(conn);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

/// The pids of `pid`'s children (a sweep's worker processes).
inline std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  std::vector<pid_t> out;
  for (pid_t child; in >> child;)
    out.push_back(child);
  return out;
}

/// Expects each run named in `reasons` (label -> part of its error) to be in
/// `by_label` and stored failed with that reason.
inline void expect_failed_with(const std::map<std::string, store::RunRecord>& by_label,
                               const std::map<std::string, std::string>& reasons) {
  for (const auto& [label, reason] : reasons) {
    SCOPED_TRACE(label);
    const auto it = by_label.find(label);
    ASSERT_NE(it, by_label.end());
    EXPECT_EQ(it->second.status, store::RunStatus::Failed);
    EXPECT_NE(it->second.error.find(reason), std::string::npos) << it->second.error;
  }
}

/// Polls `sql` until it yields `want` or `seconds` pass; true if it did.
inline bool wait_until(const std::filesystem::path& db, const std::string& sql,
                       const std::string& want, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (std::filesystem::exists(db) && scalar(db, sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

}  // namespace optbench::testing
