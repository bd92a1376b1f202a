// Helpers for tests that drive optbench as a real child process: start it
// with its pid in hand (to signal or kill it, or to run several at once),
// and read single figures from the database it writes.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace optbench::testing {

/// Starts `optbench ARGS` with stdout and stderr going to `output`, without
/// OPTBENCH_PLUGIN_PATH. Returns its pid.
inline pid_t spawn_optbench(const std::vector<std::string>& args,
                            const std::filesystem::path& output) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "OPTBENCH_PLUGIN_PATH=", 21) != 0) env.emplace_back(*e);
  }
  std::vector<char*> argv{const_cast<char*>(OPTBENCH_TEST_BINARY)}, envp;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 1, output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, OPTBENCH_TEST_BINARY, &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) throw std::runtime_error(std::string("posix_spawn: ") + std::strerror(rc));
  return pid;
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
