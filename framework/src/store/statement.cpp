#include "store/statement.hpp"

#include <cmath>
#include <limits>

#include "store/read_only_media.hpp"
#include "store/records.hpp"

namespace optbench::store::detail {
namespace {

const char kNaNText[] = "NaN";

// SQLite's detailed message, plus the result code's name when that adds
// something: "UNIQUE constraint failed: runs.id (constraint failed)".
std::string sqlite_message(sqlite3* db) {
  std::string message = sqlite3_errmsg(db);
  const std::string code = sqlite3_errstr(sqlite3_extended_errcode(db));
  if (code != message) message += " (" + code + ")";
  return message;
}

}  // namespace

void fail(sqlite3* db, const std::filesystem::path& file, std::string_view what) {
  std::string message = file.string() + ": " + std::string(what);
  if (db != nullptr) message += ": " + sqlite_message(db);
  throw StoreError(message);
}

void fail_plain(const std::filesystem::path& file, std::string_view what) {
  throw StoreError(file.string() + ": " + std::string(what));
}

namespace {

Connection open_plain(const std::filesystem::path& file, const std::string& name, int flags) {
  sqlite3* raw = nullptr;
  // SQLITE_OPEN_NOMUTEX is not used: the library's default (serialized) costs
  // little and keeps a store connection shared by mistake from corrupting memory.
  const int rc = sqlite3_open_v2(name.c_str(), &raw, flags, nullptr);
  Connection db(raw);  // sqlite3_open_v2 may allocate a handle even on failure
  if (rc != SQLITE_OK) {
    if (db == nullptr) fail_plain(file, "cannot open results database: out of memory");
    fail(db.get(), file, "cannot open results database");
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  return db;
}

}  // namespace

Connection open_connection(const std::filesystem::path& file, int flags) {
  Connection db = open_plain(file, file.string(), flags);
  if (flags != SQLITE_OPEN_READONLY) return db;
  // A reader of a WAL file on media it cannot write cannot create the WAL
  // index beside it, and its first read fails with "unable to open database
  // file". Only then, and only when nothing can be written there, is the
  // file opened immutable: the database file alone is read
  // (read_only_media.hpp). Anywhere else the ordinary reader stays, which
  // sees other processes' commits.
  if (sqlite3_exec(db.get(), "SELECT 1 FROM sqlite_master LIMIT 1", nullptr, nullptr, nullptr) ==
          SQLITE_OK ||
      (sqlite3_extended_errcode(db.get()) & 0xff) != SQLITE_CANTOPEN || !read_only_media(file))
    return db;
  db.reset();
  return open_plain(file, immutable_uri(file), flags | SQLITE_OPEN_URI);
}

void exec(sqlite3* db, const std::filesystem::path& file, const char* sql, std::string_view what) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  std::unique_ptr<char, decltype(&sqlite3_free)> owned(error, &sqlite3_free);
  if (rc != SQLITE_OK) fail(db, file, what);
}

Statement::Statement(sqlite3* db, const std::filesystem::path& file, std::string_view sql,
                     std::string_view what, std::string_view* rest)
    : db_(db), file_(&file), what_(what) {
  const char* tail = nullptr;
  if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    fail_plain(file, what_ + ": SQL text too long");
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, &tail);
  if (rc != SQLITE_OK) fail(db, file, what_);
  const std::string_view remaining = tail != nullptr
                                         ? sql.substr(static_cast<std::size_t>(tail - sql.data()))
                                         : std::string_view{};
  if (rest != nullptr) {
    *rest = remaining;
  } else if (remaining.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_finalize(stmt_);
    fail_plain(file, what_ + ": internal SQL holds more than one statement");
  }
}

Statement::~Statement() {
  sqlite3_finalize(stmt_);
}

void Statement::bind_int(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail(db_, *file_, what_);
}

void Statement::bind_real(int index, double value) {
  if (std::isnan(value)) {
    if (sqlite3_bind_text(stmt_, index, kNaNText, -1, SQLITE_STATIC) != SQLITE_OK)
      fail(db_, *file_, what_);
    return;
  }
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) fail(db_, *file_, what_);
}

void Statement::bind_text(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK)
    fail(db_, *file_, what_);
}

void Statement::bind_text_in_place(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8) !=
      SQLITE_OK)
    fail(db_, *file_, what_);
}

void Statement::bind_text_or_null(int index, std::string_view value) {
  if (value.empty()) {
    bind_null(index);
  } else {
    bind_text(index, value);
  }
}

void Statement::bind_blob(int index, std::span<const unsigned char> bytes) {
  // A zero-length blob with a null pointer would bind NULL, not an empty blob.
  static const unsigned char kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();
  if (sqlite3_bind_blob64(stmt_, index, data, bytes.size(), SQLITE_TRANSIENT) != SQLITE_OK)
    fail(db_, *file_, what_);
}

void Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_, *file_, what_);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  // Keep the message before reset() replaces it.
  const std::string message = sqlite_message(db_);
  sqlite3_reset(stmt_);
  fail_plain(*file_, what_ + ": " + message);
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

std::int64_t Statement::column_int(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

double Statement::column_real(int column, double if_null) const {
  switch (sqlite3_column_type(stmt_, column)) {
    case SQLITE_NULL:
      return if_null;
    case SQLITE_TEXT:
      if (column_text(column) == kNaNText) return std::numeric_limits<double>::quiet_NaN();
      break;
    default:
      break;
  }
  return sqlite3_column_double(stmt_, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return {};
  const int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(size));
}

std::string Statement::column_blob(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  if (data == nullptr || size <= 0) return {};
  return std::string(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

Transaction::Transaction(sqlite3* db, const std::filesystem::path& file, std::string_view what)
    : db_(db), file_(&file), what_(what), nested_(sqlite3_get_autocommit(db) == 0) {
  exec(db_, *file_, nested_ ? "SAVEPOINT nested_write" : "BEGIN IMMEDIATE", what_ + " (begin)");
  open_ = true;
}

Transaction::~Transaction() {
  // Some errors (disk full, I/O) make SQLite roll back by itself; a second
  // ROLLBACK would only fail.
  if (!open_ || sqlite3_get_autocommit(db_) != 0) return;
  if (nested_) {
    sqlite3_exec(db_, "ROLLBACK TO nested_write; RELEASE nested_write", nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  exec(db_, *file_, nested_ ? "RELEASE nested_write" : "COMMIT", what_ + " (commit)");
  open_ = false;
}

}  // namespace optbench::store::detail
