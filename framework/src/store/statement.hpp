// RAII wrappers over the SQLite C API used by the store: a connection
// handle, a prepared statement and an IMMEDIATE transaction. Every failure
// becomes a StoreError naming the DB file, what was being done and SQLite's
// own message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace optbench::store::detail {

// Long enough to ride out another worker's commit or a checkpoint, short
// enough that a stuck process is reported instead of hanging a run forever.
inline constexpr int kBusyTimeoutMs = 10'000;

struct ConnectionCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

/// "<file>: <what>: <SQLite message>". `db` may be null.
[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& file, std::string_view what);
/// "<file>: <what>" without consulting SQLite.
[[noreturn]] void fail_plain(const std::filesystem::path& file, std::string_view what);

/// Opens a connection with the given SQLITE_OPEN_* flags and a busy timeout.
/// Does not touch the file's content.
Connection open_connection(const std::filesystem::path& file, int flags);

/// Runs SQL text (possibly several statements) that returns no rows.
void exec(sqlite3* db, const std::filesystem::path& file, const char* sql, std::string_view what);

class Statement {
 public:
  /// Prepares the first statement of `sql`. When `rest` is given it receives
  /// the unparsed tail; otherwise the SQL must hold exactly one statement.
  Statement(sqlite3* db, const std::filesystem::path& file, std::string_view sql,
            std::string_view what, std::string_view* rest = nullptr);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  /// Null when the SQL held only whitespace or comments.
  sqlite3_stmt* get() const { return stmt_; }

  // Parameters are 1-based, as in SQLite.
  void bind_int(int index, std::int64_t value);
  /// NaN is bound as the TEXT 'NaN': SQLite would turn it into NULL.
  void bind_real(int index, double value);
  void bind_text(int index, std::string_view value);
  /// Binds without SQLite's own copy: `value` must stay unchanged until the
  /// statement has run (large texts: a history chunk is ~0.4 MB).
  void bind_text_in_place(int index, std::string_view value);
  /// Empty text is bound as NULL (optional fields such as `error`).
  void bind_text_or_null(int index, std::string_view value);
  void bind_blob(int index, std::span<const unsigned char> bytes);
  void bind_null(int index);

  /// Steps once: true if a row is ready, false when done. Throws on error.
  bool step();
  /// Steps to completion and resets, for statements run once per row.
  void run();
  void reset();

  // Columns are 0-based, as in SQLite.
  bool is_null(int column) const;
  std::int64_t column_int(int column) const;
  /// The TEXT 'NaN' reads as a quiet NaN; NULL reads as `if_null`.
  double column_real(int column, double if_null = 0.0) const;
  /// NULL reads as empty text.
  std::string column_text(int column) const;
  std::string column_blob(int column) const;

 private:
  sqlite3* db_;
  const std::filesystem::path* file_;
  std::string what_;
  sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE takes the write lock up front, so the busy timeout covers
/// waiting for other writers and no deadlock between readers upgrading to
/// writers is possible. Rolls back unless committed. Inside a transaction
/// already open on the connection (a batch of many writes, see
/// SqliteStore::in_one_transaction) it is a savepoint instead: a write that
/// fails undoes only itself, and nothing is durable before the outer commit.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::filesystem::path& file, std::string_view what);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  const std::filesystem::path* file_;
  std::string what_;
  bool open_ = false;
  bool nested_ = false;
};

}  // namespace optbench::store::detail
