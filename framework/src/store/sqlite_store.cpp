#include "store/sqlite_store.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <limits>
#include <ostream>
#include <random>
#include <thread>
#include <utility>

#include "store/clock.hpp"
#include "store/flat_view.hpp"
#include "store/history.hpp"
#include "store/integrity.hpp"
#include "store/migrate.hpp"
#include "store/owner.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"
#include "util/csv.hpp"
#include "util/json.hpp"

namespace optbench::store {
namespace {

using detail::fail;
using detail::fail_plain;
using detail::host_name;
using detail::now_iso8601;
using detail::Statement;
using detail::Transaction;
namespace fs = std::filesystem;

constexpr std::array<std::pair<RunStatus, const char*>, 7> kStatusNames{{
    {RunStatus::Pending, "pending"},
    {RunStatus::Running, "running"},
    {RunStatus::Done, "done"},
    {RunStatus::Diverged, "diverged"},
    {RunStatus::Failed, "failed"},
    {RunStatus::Interrupted, "interrupted"},
    {RunStatus::Pruned, "pruned"},
}};

sqlite3* readable(sqlite3* db, const fs::path& file, std::string_view what) {
  if (db == nullptr) fail_plain(file, std::string(what) + ": the store is closed (moved from)");
  return db;
}

sqlite3* writable(sqlite3* db, const fs::path& file, SqliteStore::Mode mode,
                  std::string_view what) {
  readable(db, file, what);
  if (mode != SqliteStore::Mode::ReadWrite)
    fail_plain(file, std::string(what) + ": the store was opened read-only");
  return db;
}

// Reading the first page is what tells SQLite whether the file is a
// database at all; doing it before anything else keeps such a file untouched
// and lets the error say plainly what is wrong.
void probe(sqlite3* db, const fs::path& file) {
  if (sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", nullptr, nullptr, nullptr) ==
      SQLITE_OK)
    return;
  if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_NOTADB)
    fail_plain(file,
               "is not a SQLite database (or is encrypted or damaged); refusing to use it as "
               "a results database, the file was left unchanged");
  fail(db, file, "cannot read results database");
}

bool hot_journal(sqlite3* db) {
  return sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", nullptr, nullptr, nullptr) !=
             SQLITE_OK &&
         sqlite3_extended_errcode(db) == SQLITE_READONLY_ROLLBACK;
}

/// The stored schema version, or 0 when the file has no meta table.
std::int64_t schema_version(sqlite3* db, const fs::path& file) {
  Statement has_meta(db, file,
                     "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                     "reading schema version");
  has_meta.step();
  if (has_meta.column_int(0) == 0) return 0;
  Statement version(db, file, "SELECT value FROM meta WHERE key = 'schema_version'",
                    "reading schema version");
  if (!version.step() || sqlite3_column_type(version.get(), 0) != SQLITE_INTEGER)
    fail_plain(file, "is not an optbench results database: meta.schema_version is missing");
  return version.column_int(0);
}

void check_version(std::int64_t version, const fs::path& file) {
  if (version > detail::kSchemaVersion)
    fail_plain(file, "has results schema version " + std::to_string(version) +
                         ", but this optbench only knows schema version " +
                         std::to_string(detail::kSchemaVersion) +
                         "; open it with a newer optbench");
  if (version < 1)
    fail_plain(file, "has unknown results schema version " + std::to_string(version));
}

// A meta table that names a schema version proves little: any file can
// have one. Before the first write to an existing file (a migration, the
// switch to WAL) its tables and the runs columns this version uses must be
// there, so a foreign file that merely looks like a results file is left
// exactly as it was.
void check_tables(sqlite3* db, const fs::path& file, std::int64_t version) {
  std::vector<std::string> tables = {"meta", "experiments", "runs", "surfaces"};
  if (version < 2) {
    tables.insert(tables.end(), {"metrics", "trajectories"});
  } else {
    tables.insert(tables.end(), {"metric_chunks", "trajectory_chunks"});
  }
  // Each name must be found by `sql` (?1 = the name); `where` says where.
  const auto require = [&](const char* sql, const std::vector<std::string>& names,
                           const std::string& where) {
    Statement has(db, file, sql, "checking the results schema");
    for (const auto& name : names) {
      has.bind_text(1, name);
      has.step();
      const bool present = has.column_int(0) == 1;
      has.reset();
      if (!present)
        fail_plain(file, "claims results schema version " + std::to_string(version) + " but " +
                             where + " '" + name +
                             "'; it is not an optbench results database, the file was left "
                             "unchanged");
    }
  };
  require("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", tables,
          "has no table");
  std::vector<std::string> columns = {"id",    "experiment_id", "config_hash", "optimizer",
                                      "label", "status",        "final_loss"};
  if (version >= 3) columns.insert(columns.end(), {"pid", "heartbeat"});
  require("SELECT count(*) FROM pragma_table_info('runs') WHERE name = ?1", columns,
          "its runs table has no column");
}

void create_or_check_schema(sqlite3* db, const fs::path& file) {
  // IMMEDIATE: of two processes creating the file at once, the second waits
  // here and then finds the first one's schema instead of failing on it.
  Transaction tx(db, file, "creating schema");
  const std::int64_t version = schema_version(db, file);
  if (version == 0) {
    Statement objects(db, file, "SELECT count(*) FROM sqlite_master", "creating schema");
    objects.step();
    if (objects.column_int(0) != 0)
      fail_plain(file,
                 "is a SQLite database but not an optbench results database (it has no meta "
                 "table); refusing to add tables to it");
    detail::exec(db, file, detail::kSchemaSql, "creating schema");
    detail::exec(db, file, detail::kRunSummarySql, "creating schema");
    detail::exec(db, file, detail::kHistorySql, "creating schema");
    detail::refresh_flat_view(db, file, "[]");
    Statement meta(db, file, "INSERT INTO meta (key, value) VALUES (?1, ?2)", "creating schema");
    meta.bind_text(1, "schema_version");
    meta.bind_int(2, detail::kSchemaVersion);
    meta.run();
#ifdef OPTBENCH_VERSION
    meta.bind_text(1, "created_by");
    meta.bind_text(2, "optbench " OPTBENCH_VERSION);
    meta.run();
#endif
  } else {
    check_version(version, file);
    check_tables(db, file, version);
    if (version < detail::kSchemaVersion) detail::migrate(db, file, version);
  }
  tx.commit();
}

// Switching a file to WAL upgrades a read lock to a write lock, and SQLite
// reports a conflict there as SQLITE_BUSY at once instead of calling the busy
// handler (waiting while holding the read lock could deadlock). Another
// worker opening the same new file can hold the write lock at that moment,
// so the switch is retried for as long as the busy timeout would wait.
void enable_wal(sqlite3* db, const fs::path& file) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(detail::kBusyTimeoutMs);
  // Distinct per thread and per process, so waiters do not retry in step.
  std::minstd_rand jitter(
      static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id()) ^
                            static_cast<std::size_t>(getpid())));
  for (;;) {
    const int rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) return;
    const int primary = sqlite3_extended_errcode(db) & 0xff;
    if ((primary != SQLITE_BUSY && primary != SQLITE_LOCKED) ||
        std::chrono::steady_clock::now() > deadline)
      fail(db, file, "switching to WAL journal mode");
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + jitter() % 20));
  }
}

// Little-endian float64, whatever the host's byte order, so a file moves
// between machines unchanged.
std::vector<unsigned char> encode_values(const std::vector<double>& values) {
  std::vector<unsigned char> bytes(values.size() * 8);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto bits = std::bit_cast<std::uint64_t>(values[i]);
    for (int b = 0; b < 8; ++b)
      bytes[i * 8 + static_cast<std::size_t>(b)] = static_cast<unsigned char>(bits >> (8 * b));
  }
  return bytes;
}

std::vector<double> decode_values(const std::string& bytes) {
  std::vector<double> values(bytes.size() / 8);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::uint64_t bits = 0;
    for (int b = 0; b < 8; ++b)
      bits |= static_cast<std::uint64_t>(
                  static_cast<unsigned char>(bytes[i * 8 + static_cast<std::size_t>(b)]))
              << (8 * b);
    values[i] = std::bit_cast<double>(bits);
  }
  return values;
}

// The descriptive fields of a run as ?1..?9, shared by insert and reclaim.
void bind_run_fields(Statement& s, const RunRecord& run) {
  s.bind_text(1, run.group_key);
  s.bind_text(2, run.problem_key);
  s.bind_text(3, run.optimizer);
  s.bind_text(4, run.label);
  s.bind_text(5, run.model);
  s.bind_text(6, run.dataset);
  s.bind_text(7, run.hyperparams.empty() ? std::string_view("{}") : run.hyperparams);
  s.bind_int(8, run.seed);
  s.bind_real(9, run.lr);
}

void write_csv_cell(std::ostream& out, sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_NULL:
      break;
    case SQLITE_INTEGER:
      out << sqlite3_column_int64(stmt, column);
      break;
    case SQLITE_FLOAT:
      csv::real(out, sqlite3_column_double(stmt, column));
      break;
    case SQLITE_BLOB: {
      // Hex keeps the bytes exact and the CSV printable.
      const auto* data = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, column));
      const int size = sqlite3_column_bytes(stmt, column);
      static const char kHex[] = "0123456789abcdef";
      std::string hex;
      hex.reserve(static_cast<std::size_t>(size) * 2);
      for (int i = 0; i < size; ++i) {
        hex += kHex[data[i] >> 4];
        hex += kHex[data[i] & 0xf];
      }
      out << hex;
      break;
    }
    default: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, column));
      const int size = sqlite3_column_bytes(stmt, column);
      csv::field(out, std::string_view(text, static_cast<std::size_t>(size)));
    }
  }
}

constexpr const char* kSelectRun =
    "SELECT r.id, e.name, r.config_hash, r.group_key, r.problem_key, r.optimizer, r.label, "
    "r.model, r.dataset, r.hyperparams, r.seed, r.lr, r.status, r.error, r.started, r.finished, "
    "r.wall_seconds, r.steps, r.final_loss, r.host, r.final_test_loss, r.final_accuracy, "
    "r.provenance, r.in_grid, r.attempts, r.trained_host, r.trained_rank "
    "FROM runs r JOIN experiments e ON e.id = r.experiment_id";

RunRecord read_run(const Statement& s) {
  RunRecord r;
  r.id = s.column_int(0);
  r.experiment = s.column_text(1);
  r.config_hash = s.column_text(2);
  r.group_key = s.column_text(3);
  r.problem_key = s.column_text(4);
  r.optimizer = s.column_text(5);
  r.label = s.column_text(6);
  r.model = s.column_text(7);
  r.dataset = s.column_text(8);
  r.hyperparams = s.column_text(9);
  r.seed = s.column_int(10);
  r.lr = s.column_real(11);
  r.status = parse_status(s.column_text(12));
  r.error = s.column_text(13);
  r.started = s.column_text(14);
  r.finished = s.column_text(15);
  r.wall_seconds = s.column_real(16);
  r.steps = s.column_int(17);
  r.final_loss = s.column_real(18, std::numeric_limits<double>::quiet_NaN());
  r.host = s.column_text(19);
  if (sqlite3_column_type(s.get(), 20) != SQLITE_NULL) r.final_test_loss = s.column_real(20);
  if (sqlite3_column_type(s.get(), 21) != SQLITE_NULL) r.final_accuracy = s.column_real(21);
  r.provenance = s.column_text(22);
  r.in_grid = s.column_int(23) != 0;
  r.attempts = s.column_int(24);
  r.trained_host = s.column_text(25);
  if (!s.is_null(26)) r.trained_rank = s.column_int(26);
  return r;
}

ExperimentRecord read_experiment(const Statement& s) {
  ExperimentRecord e;
  e.id = s.column_int(0);
  e.name = s.column_text(1);
  e.title = s.column_text(2);
  e.yaml = s.column_text(3);
  e.source_path = s.column_text(4);
  e.created = s.column_text(5);
  return e;
}

constexpr const char* kSelectExperiment =
    "SELECT id, name, title, yaml, source_path, created FROM experiments";

}  // namespace

const char* to_string(RunStatus s) {
  for (const auto& [status, name] : kStatusNames)
    if (status == s) return name;
  return "unknown";
}

RunStatus parse_status(const std::string& s) {
  for (const auto& [status, name] : kStatusNames)
    if (s == name) return status;
  throw StoreError("unknown run status '" + s + "'");
}

SqliteStore SqliteStore::open(const fs::path& file, Mode mode) {
  if (file.empty()) throw StoreError("cannot open results database: empty file name");
  // Absolute, so query_csv's second connection finds the same file even if
  // the working directory changes meanwhile.
  fs::path path = fs::absolute(file);
  if (mode == Mode::ReadOnly) {
    std::error_code ec;
    if (!fs::exists(path, ec))
      fail_plain(path, "cannot open results database read-only: no such file");
    detail::check_integrity(path);
    auto db = detail::open_connection(path, SQLITE_OPEN_READONLY);
    if (hot_journal(db.get())) {
      // A process killed inside a write transaction on a file not yet in
      // WAL mode (while creating its schema) leaves a hot rollback journal,
      // which only a writer may roll back; let one do it, as the next `run`
      // would, instead of failing with "attempt to write a readonly database".
      db.reset();
      probe(detail::open_connection(path, SQLITE_OPEN_READWRITE).get(), path);
      return open(path, Mode::ReadOnly);
    }
    probe(db.get(), path);
    detail::exec(db.get(), path, "PRAGMA query_only = ON", "opening read-only");
    const std::int64_t version = schema_version(db.get(), path);
    if (version == 0)
      fail_plain(path, "is not an optbench results database (it has no meta table)");
    check_version(version, path);
    check_tables(db.get(), path, version);
    if (version < detail::kSchemaVersion) {
      // Readers of an older file would find none of the tables they query;
      // upgrading it once (the data is kept, in one transaction) is what a
      // reader of that file wants, so do it through a writer first.
      db.reset();
      try {
        SqliteStore upgraded = open(path, Mode::ReadWrite);
      } catch (const StoreError& e) {
        fail_plain(path, "has results schema version " + std::to_string(version) +
                             " and must be upgraded to version " +
                             std::to_string(detail::kSchemaVersion) +
                             " before it can be read, which failed: " + e.what());
      }
      return open(path, Mode::ReadOnly);
    }
    return SqliteStore(std::move(path), db.release(), mode);
  }
  detail::check_integrity(path);
  auto db = detail::open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  probe(db.get(), path);
  detail::exec(db.get(), path, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL",
               "configuring connection");
  // Schema before WAL: a foreign database is refused before its journal
  // mode is changed.
  create_or_check_schema(db.get(), path);
  enable_wal(db.get(), path);
  return SqliteStore(std::move(path), db.release(), mode);
}

SqliteStore::SqliteStore(fs::path path, sqlite3* db, Mode mode)
    : path_(std::move(path)), db_(db), mode_(mode) {}

SqliteStore::SqliteStore(SqliteStore&& other) noexcept
    : path_(std::move(other.path_)), db_(std::exchange(other.db_, nullptr)), mode_(other.mode_) {}

SqliteStore& SqliteStore::operator=(SqliteStore&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) sqlite3_close_v2(db_);
    path_ = std::move(other.path_);
    db_ = std::exchange(other.db_, nullptr);
    mode_ = other.mode_;
  }
  return *this;
}

SqliteStore::~SqliteStore() {
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

std::int64_t SqliteStore::upsert_experiment(const std::string& name, const std::string& title,
                                            const std::string& yaml, const std::string& source_path,
                                            bool replace) {
  const std::string what = "saving experiment '" + name + "'";
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  if (!replace) {
    Statement find(db, path_, "SELECT source_path, yaml FROM experiments WHERE name = ?1", what);
    find.bind_text(1, name);
    if (find.step()) {
      const std::string stored_path = find.column_text(0);
      std::error_code ec;
      const auto same_file = [&](const std::string& a, const std::string& b) {
        return a == b || fs::weakly_canonical(fs::absolute(a), ec) ==
                             fs::weakly_canonical(fs::absolute(b), ec);
      };
      // Editing a file keeps its path; the same text from elsewhere (a copy)
      // is the same experiment. Anything else would merge two experiments.
      if (!same_file(stored_path, source_path) && find.column_text(1) != yaml)
        throw ExperimentConflict(
            "experiment '" + name + "' in " + path_.string() + " was run from " + stored_path +
            ", not from " + source_path +
            "; rename one of them (name:), use another --db, or pass --replace to make " +
            source_path + " its definition");
    }
  }
  Statement s(db, path_,
              "INSERT INTO experiments (name, title, yaml, source_path, created) "
              "VALUES (?1, ?2, ?3, ?4, ?5) "
              "ON CONFLICT (name) DO UPDATE SET title = excluded.title, yaml = excluded.yaml, "
              "source_path = excluded.source_path "
              "RETURNING id",
              what);
  s.bind_text(1, name);
  s.bind_text(2, title);
  s.bind_text(3, yaml);
  s.bind_text(4, source_path);
  s.bind_text(5, now_iso8601());
  if (!s.step()) fail_plain(path_, what + ": no id returned");
  const std::int64_t id = s.column_int(0);
  s.run();
  tx.commit();
  return id;
}

void SqliteStore::set_grid(std::int64_t experiment_id, const std::vector<std::string>& hashes,
                           const std::vector<std::string>& hyperparams) {
  const std::string what = "recording the experiment's current grid";
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  std::string list = "[";
  for (const auto& h : hashes) {
    if (list.size() > 1) list += ',';
    list += json::quote(h);
  }
  list += "]";
  Statement s(db, path_,
              "UPDATE runs SET in_grid = (config_hash IN (SELECT value FROM json_each(?2))) "
              "WHERE experiment_id = ?1",
              what);
  s.bind_int(1, experiment_id);
  s.bind_text(2, list);
  s.run();
  std::string objects = "[";
  for (const auto& h : hyperparams) {
    if (objects.size() > 1) objects += ',';
    objects += h;
  }
  objects += "]";
  detail::refresh_flat_view(db, path_, objects);
  tx.commit();
}

namespace {

// The WHERE clause of delete_runs and count_runs, over `runs r` joined to
// `experiments e`; parameters ?1 name, ?2 status or NULL, ?3 id or NULL.
constexpr const char* kRunFilter =
    "r.experiment_id = (SELECT id FROM experiments WHERE name = ?1) "
    "AND (?2 IS NULL OR r.status = ?2) AND (?3 IS NULL OR r.id = ?3)";

void bind_filter(Statement& s, const std::string& experiment,
                 const std::optional<RunStatus>& status, const std::optional<std::int64_t>& id) {
  s.bind_text(1, experiment);
  if (status) {
    s.bind_text(2, to_string(*status));
  } else {
    s.bind_null(2);
  }
  if (id) {
    s.bind_int(3, *id);
  } else {
    s.bind_null(3);
  }
}

}  // namespace

std::size_t SqliteStore::count_runs(const std::string& experiment,
                                    const std::optional<RunStatus>& status,
                                    const std::optional<std::int64_t>& run_id) const {
  const std::string what = "counting runs of '" + experiment + "'";
  sqlite3* db = readable(db_, path_, what);
  Statement s(db, path_, std::string("SELECT count(*) FROM runs r WHERE ") + kRunFilter, what);
  bind_filter(s, experiment, status, run_id);
  s.step();
  return static_cast<std::size_t>(s.column_int(0));
}

std::size_t SqliteStore::delete_runs(const std::string& experiment,
                                     const std::optional<RunStatus>& status,
                                     const std::optional<std::int64_t>& run_id) {
  const std::string what = "deleting runs of '" + experiment + "'";
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  // ON DELETE CASCADE removes the chunks (foreign keys are on).
  Statement s(db, path_, std::string("DELETE FROM runs AS r WHERE ") + kRunFilter, what);
  bind_filter(s, experiment, status, run_id);
  s.run();
  const auto deleted = static_cast<std::size_t>(sqlite3_changes(db));
  if (!status && !run_id) {
    Statement e(db, path_, "DELETE FROM experiments WHERE name = ?1", what);
    e.bind_text(1, experiment);
    e.run();
  }
  tx.commit();
  return deleted;
}

Claim SqliteStore::claim_run(std::int64_t experiment_id, const RunRecord& run,
                             const std::vector<RunStatus>& retry) {
  const std::string what = "claiming run " + run.config_hash;
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  const std::string started = now_iso8601();
  const std::string host = run.host.empty() ? host_name() : run.host;

  Statement find(db, path_,
                 std::string("SELECT id, status, ") + detail::kOwnerColumns +
                     " FROM runs WHERE experiment_id = ?1 AND config_hash = ?2",
                 what);
  find.bind_int(1, experiment_id);
  find.bind_text(2, run.config_hash);
  if (find.step()) {
    const std::int64_t id = find.column_int(0);
    const RunStatus status = parse_status(find.column_text(1));
    const auto owner = detail::read_owner(find, 2);
    find.reset();
    const bool finished = status == RunStatus::Done || status == RunStatus::Diverged ||
                          status == RunStatus::Failed || status == RunStatus::Pruned;
    const bool retried = std::find(retry.begin(), retry.end(), status) != retry.end();
    if (finished && !retried) {
      tx.commit();
      return Claim{id, true, {}};
    }
    if (status == RunStatus::Running && !detail::owner_gone(owner, host)) {
      tx.commit();
      return Claim{id, false, detail::describe(owner)};
    }
    // An unfinished run's partial history would mix with the new attempt's;
    // a retried run's old history is replaced by the new attempt's.
    detail::clear_history(db, path_, id);
    Statement reset(db, path_,
                    "UPDATE runs SET group_key = ?1, problem_key = ?2, optimizer = ?3, "
                    "label = ?4, model = ?5, dataset = ?6, hyperparams = ?7, seed = ?8, "
                    "lr = ?9, status = 'running', error = NULL, started = ?10, "
                    "finished = NULL, wall_seconds = NULL, steps = NULL, final_loss = NULL, "
                    "final_test_loss = NULL, final_accuracy = NULL, provenance = ?14, "
                    "in_grid = 1, attempts = attempts + 1, "
                    "host = ?11, pid = ?13, heartbeat = ?10 WHERE id = ?12",
                    what);
    bind_run_fields(reset, run);
    reset.bind_text(10, started);
    reset.bind_text(11, host);
    reset.bind_int(12, id);
    reset.bind_int(13, getpid());
    reset.bind_text(14, run.provenance.empty() ? std::string_view("{}") : run.provenance);
    reset.run();
    tx.commit();
    return Claim{id, false, {}};
  }
  find.reset();
  Statement insert(db, path_,
                   "INSERT INTO runs (group_key, problem_key, optimizer, label, model, dataset, "
                   "hyperparams, seed, lr, status, started, host, experiment_id, config_hash, pid, "
                   "heartbeat, provenance) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'running', ?10, ?11, ?12, ?13, "
                   "?14, ?10, ?15)",
                   what);
  bind_run_fields(insert, run);
  insert.bind_text(10, started);
  insert.bind_text(11, host);
  insert.bind_int(12, experiment_id);
  insert.bind_text(13, run.config_hash);
  insert.bind_int(14, getpid());
  insert.bind_text(15, run.provenance.empty() ? std::string_view("{}") : run.provenance);
  insert.run();
  const std::int64_t id = sqlite3_last_insert_rowid(db);
  tx.commit();
  return Claim{id, false, {}};
}

std::vector<Claim> SqliteStore::claim_runs(std::int64_t experiment_id,
                                           const std::vector<RunRecord>& runs,
                                           const std::vector<RunStatus>& retry) {
  const std::string what = "claiming " + std::to_string(runs.size()) + " runs";
  sqlite3* db = writable(db_, path_, mode_, what);
  std::vector<Claim> claims;
  claims.reserve(runs.size());
  Transaction tx(db, path_, what);
  for (const auto& run : runs)
    claims.push_back(claim_run(experiment_id, run, retry));
  tx.commit();
  return claims;
}

void SqliteStore::release_runs(const std::vector<std::int64_t>& run_ids) {
  const std::string what = "releasing " + std::to_string(run_ids.size()) + " unstarted runs";
  sqlite3* db = writable(db_, path_, mode_, what);
  if (run_ids.empty()) return;
  Transaction tx(db, path_, what);
  // attempts = 1: the claim inserted the row (a reclaim adds one), and a
  // run never trained has no history to keep.
  Statement drop(db, path_,
                 "DELETE FROM runs WHERE id = ?1 AND status = 'running' AND pid = ?2 AND "
                 "host = ?3 AND attempts = 1",
                 what);
  Statement mark(db, path_,
                 "UPDATE runs SET status = 'interrupted', attempts = attempts - 1, finished = ?4, "
                 "error = 'the sweep stopped before this run started; trained by the next run' "
                 "WHERE id = ?1 AND status = 'running' AND pid = ?2 AND host = ?3",
                 what);
  const std::string host = host_name(), now = now_iso8601();
  for (const auto id : run_ids) {
    drop.bind_int(1, id);
    drop.bind_int(2, getpid());
    drop.bind_text(3, host);
    drop.run();
    if (sqlite3_changes(db) == 0) {
      mark.bind_int(1, id);
      mark.bind_int(2, getpid());
      mark.bind_text(3, host);
      mark.bind_text(4, now);
      mark.run();
    }
  }
  tx.commit();
}

void SqliteStore::in_one_transaction(const std::function<void()>& writes) {
  const std::string what = "writing a batch of runs";
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  writes();
  tx.commit();
}

void SqliteStore::heartbeat() {
  const std::string what = "renewing heartbeats";
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  Statement s(db, path_,
              "UPDATE runs SET heartbeat = ?1 WHERE status = 'running' AND pid = ?2 AND host = ?3",
              what);
  s.bind_text(1, now_iso8601());
  s.bind_int(2, getpid());
  s.bind_text(3, host_name());
  s.run();
  tx.commit();
}

std::size_t SqliteStore::recover_stale_runs() {
  const std::string what = "recovering runs of dead processes";
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  Statement find(
      db, path_,
      std::string("SELECT id, ") + detail::kOwnerColumns + " FROM runs WHERE status = 'running'",
      what);
  std::vector<std::pair<std::int64_t, std::string>> gone;
  const std::string host = host_name();
  while (find.step()) {
    const auto owner = detail::read_owner(find, 1);
    if (detail::owner_gone(owner, host))
      gone.emplace_back(find.column_int(0),
                        "its process is gone (" + detail::describe(owner) + ")");
  }
  find.reset();
  Statement mark(db, path_,
                 "UPDATE runs SET status = 'interrupted', error = ?1, finished = ?2 WHERE id = ?3",
                 what);
  for (const auto& [id, why] : gone) {
    mark.bind_text(1, why);
    mark.bind_text(2, now_iso8601());
    mark.bind_int(3, id);
    mark.run();
  }
  tx.commit();
  return gone.size();
}

namespace {

// Checked inside the writer's own IMMEDIATE transaction, so no claim can
// slip in between the check and the write.
void require_owner(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                   const std::string& what) {
  Statement find(
      db, file, std::string("SELECT status, ") + detail::kOwnerColumns + " FROM runs WHERE id = ?1",
      what);
  find.bind_int(1, run_id);
  if (!find.step()) fail_plain(file, what + ": no such run");
  const std::string status = find.column_text(0);
  const auto owner = detail::read_owner(find, 1);
  if (status == "running" && (owner.pid == getpid() || owner.pid == getppid())) return;
  throw RunTakenOver(file.string() + ": " + what + ": the run is no longer this process's (" +
                     (status == "running" ? "now run by " + detail::describe(owner)
                                          : "marked " + status + " meanwhile") +
                     "; this process's heartbeat must have stopped for over " +
                     std::to_string(static_cast<int>(kStaleAfterSeconds)) +
                     " s), so its writes are refused");
}

/// Appends one batch of a run's points (`kind`: metrics or trajectory) in a
/// transaction of its own, refused once the run is no longer this process's.
template <class Point>
void append_owned(sqlite3* db_or_null, const fs::path& file, SqliteStore::Mode mode,
                  std::int64_t run_id, const char* kind, std::span<const Point> points,
                  void (*write_chunks)(sqlite3*, const fs::path&, std::int64_t,
                                       std::span<const Point>)) {
  const std::string what = std::string("appending ") + kind + " of run " + std::to_string(run_id);
  sqlite3* db = writable(db_or_null, file, mode, what);
  if (points.empty()) return;
  Transaction tx(db, file, what);
  require_owner(db, file, run_id, what);
  write_chunks(db, file, run_id, points);
  tx.commit();
}

}  // namespace

void SqliteStore::append_metrics(std::int64_t run_id, std::span<const MetricPoint> points) {
  append_owned(db_, path_, mode_, run_id, "metrics", points, detail::write_metric_chunks);
}

void SqliteStore::append_trajectory(std::int64_t run_id, std::span<const TrajectoryPoint> points) {
  append_owned(db_, path_, mode_, run_id, "trajectory", points, detail::write_trajectory_chunks);
}

void SqliteStore::append_chunks(std::int64_t run_id, std::span<const HistoryChunk> chunks) {
  const std::string what = "appending history chunks of run " + std::to_string(run_id);
  sqlite3* db = writable(db_, path_, mode_, what);
  if (chunks.empty()) return;
  Transaction tx(db, path_, what);
  require_owner(db, path_, run_id, what);
  detail::write_history_chunks(db, path_, run_id, chunks);
  tx.commit();
}

void SqliteStore::finish_run(std::int64_t run_id, const RunResult& result) {
  const std::string what = "finishing run " + std::to_string(run_id);
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  require_owner(db, path_, run_id, what);
  Statement s(db, path_,
              "UPDATE runs SET status = ?1, error = ?2, finished = ?3, wall_seconds = ?4, "
              "steps = ?5, final_loss = ?6, final_test_loss = ?8, final_accuracy = ?9, "
              "trained_host = ?10, trained_rank = ?11 WHERE id = ?7",
              what);
  const auto real_or_null = [&](int index, const std::optional<double>& x) {
    if (x) {
      s.bind_real(index, *x);
    } else {
      s.bind_null(index);
    }
  };
  s.bind_text(1, to_string(result.status));
  s.bind_text_or_null(2, result.error);
  s.bind_text(3, now_iso8601());
  s.bind_real(4, result.wall_seconds);
  s.bind_int(5, result.steps);
  real_or_null(6, result.final_loss);
  s.bind_int(7, run_id);
  real_or_null(8, result.final_test_loss);
  real_or_null(9, result.final_accuracy);
  s.bind_text(10, result.host.empty() ? host_name() : result.host);
  if (result.rank) {
    s.bind_int(11, *result.rank);
  } else {
    s.bind_null(11);
  }
  s.run();
  if (sqlite3_changes(db) == 0) fail_plain(path_, what + ": no such run");
  tx.commit();
}

bool SqliteStore::prune_run(std::int64_t run_id, const std::string& reason) {
  const std::string what = "pruning run " + std::to_string(run_id);
  sqlite3* db = writable(db_, path_, mode_, what);
  Transaction tx(db, path_, what);
  Statement s(db, path_,
              "UPDATE runs SET status = 'pruned', error = ?1 WHERE id = ?2 AND status = 'done'",
              what);
  s.bind_text(1, reason);
  s.bind_int(2, run_id);
  s.run();
  const bool changed = sqlite3_changes(db) != 0;
  tx.commit();
  return changed;
}

void SqliteStore::put_surface(std::int64_t experiment_id, const Surface& surface) {
  const std::string what = "saving surface '" + surface.problem_key + "'";
  sqlite3* db = writable(db_, path_, mode_, what);
  if (surface.nx <= 0 || surface.ny <= 0 ||
      surface.values.size() !=
          static_cast<std::size_t>(surface.nx) * static_cast<std::size_t>(surface.ny))
    fail_plain(path_, what + ": expected nx * ny = " + std::to_string(surface.nx) + " * " +
                          std::to_string(surface.ny) + " values, got " +
                          std::to_string(surface.values.size()));
  const std::vector<unsigned char> bytes = encode_values(surface.values);
  Transaction tx(db, path_, what);
  // ON CONFLICT DO NOTHING rather than INSERT OR IGNORE: only "already
  // stored" is ignored, a CHECK or NOT NULL failure still raises.
  Statement s(db, path_,
              "INSERT INTO surfaces (experiment_id, problem_key, model, nx, ny, x0_min, x0_max, "
              "x1_min, x1_max, min_x0, min_x1, \"values\") "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
              "ON CONFLICT (experiment_id, problem_key) DO NOTHING",
              what);
  s.bind_int(1, experiment_id);
  s.bind_text(2, surface.problem_key);
  s.bind_text(3, surface.model);
  s.bind_int(4, surface.nx);
  s.bind_int(5, surface.ny);
  s.bind_real(6, surface.x0_min);
  s.bind_real(7, surface.x0_max);
  s.bind_real(8, surface.x1_min);
  s.bind_real(9, surface.x1_max);
  s.bind_real(10, surface.min_x0);
  s.bind_real(11, surface.min_x1);
  s.bind_blob(12, bytes);
  s.run();
  tx.commit();
}

std::vector<ExperimentRecord> SqliteStore::experiments() const {
  const char* what = "listing experiments";
  sqlite3* db = readable(db_, path_, what);
  Statement s(db, path_, std::string(kSelectExperiment) + " ORDER BY id", what);
  std::vector<ExperimentRecord> out;
  while (s.step())
    out.push_back(read_experiment(s));
  return out;
}

std::optional<ExperimentRecord> SqliteStore::experiment(const std::string& name) const {
  const std::string what = "reading experiment '" + name + "'";
  sqlite3* db = readable(db_, path_, what);
  Statement s(db, path_, std::string(kSelectExperiment) + " WHERE name = ?1", what);
  s.bind_text(1, name);
  if (!s.step()) return std::nullopt;
  return read_experiment(s);
}

std::vector<RunRecord> SqliteStore::runs(const std::string& experiment, Scope scope) const {
  const std::string what = "listing runs";
  sqlite3* db = readable(db_, path_, what);
  Statement s(db, path_,
              std::string(kSelectRun) +
                  " WHERE (?1 = '' OR e.name = ?1) AND (?2 OR r.in_grid = 1) ORDER BY r.id",
              what);
  s.bind_text(1, experiment);
  s.bind_int(2, scope == Scope::All ? 1 : 0);
  std::vector<RunRecord> out;
  while (s.step())
    out.push_back(read_run(s));
  return out;
}

std::optional<RunRecord> SqliteStore::run(std::int64_t run_id) const {
  const std::string what = "reading run " + std::to_string(run_id);
  sqlite3* db = readable(db_, path_, what);
  Statement s(db, path_, std::string(kSelectRun) + " WHERE r.id = ?1", what);
  s.bind_int(1, run_id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<MetricPoint> SqliteStore::metrics(std::int64_t run_id, const std::string& name,
                                              const std::string& split) const {
  sqlite3* db = readable(db_, path_, "reading metric '" + name + "'");
  return detail::read_metric_series(db, path_, run_id, name, split);
}

std::vector<MetricPoint> SqliteStore::all_metrics(std::int64_t run_id) const {
  sqlite3* db = readable(db_, path_, "reading the metrics of run " + std::to_string(run_id));
  return detail::read_all_metrics(db, path_, run_id);
}

std::vector<TrajectoryPoint> SqliteStore::trajectory(std::int64_t run_id) const {
  sqlite3* db = readable(db_, path_, "reading a trajectory");
  return detail::read_trajectory(db, path_, run_id);
}

std::vector<HistoryChunk> SqliteStore::history_chunks(std::int64_t run_id) const {
  sqlite3* db = readable(db_, path_, "reading a run's history chunks");
  return detail::read_history_chunks(db, path_, run_id);
}

std::optional<Surface> SqliteStore::surface(const std::string& experiment,
                                            const std::string& problem_key) const {
  const std::string what = "reading surface '" + problem_key + "' of '" + experiment + "'";
  sqlite3* db = readable(db_, path_, what);
  Statement s(db, path_,
              "SELECT s.problem_key, s.model, s.nx, s.ny, s.x0_min, s.x0_max, s.x1_min, "
              "s.x1_max, s.min_x0, s.min_x1, s.\"values\" "
              "FROM surfaces s JOIN experiments e ON e.id = s.experiment_id "
              "WHERE e.name = ?1 AND s.problem_key = ?2",
              what);
  s.bind_text(1, experiment);
  s.bind_text(2, problem_key);
  if (!s.step()) return std::nullopt;
  Surface out;
  out.problem_key = s.column_text(0);
  out.model = s.column_text(1);
  out.nx = static_cast<int>(s.column_int(2));
  out.ny = static_cast<int>(s.column_int(3));
  out.x0_min = s.column_real(4);
  out.x0_max = s.column_real(5);
  out.x1_min = s.column_real(6);
  out.x1_max = s.column_real(7);
  out.min_x0 = s.column_real(8);
  out.min_x1 = s.column_real(9);
  const std::string bytes = s.column_blob(10);
  if (bytes.size() != static_cast<std::size_t>(out.nx) * static_cast<std::size_t>(out.ny) * 8)
    fail_plain(path_, what + ": stored values do not match nx * ny");
  out.values = decode_values(bytes);
  return out;
}

void SqliteStore::query_csv(const std::string& sql, std::ostream& out) const {
  const std::string what = "query";
  readable(db_, path_, what);
  // A connection of its own that cannot write, whatever this store's mode:
  // the SQL comes from the user.
  auto conn = detail::open_connection(path_, SQLITE_OPEN_READONLY);
  sqlite3* db = conn.get();
  detail::exec(db, path_, "PRAGMA query_only = ON", what);

  std::string_view rest;
  Statement s(db, path_, sql, what, &rest);
  if (s.get() == nullptr) fail_plain(path_, what + ": the SQL holds no statement");
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    sqlite3_stmt* next = nullptr;
    const int rc =
        sqlite3_prepare_v2(db, rest.data(), static_cast<int>(rest.size()), &next, nullptr);
    sqlite3_finalize(next);
    if (rc != SQLITE_OK || next != nullptr)
      fail_plain(path_, what + ": only one SQL statement is allowed");
  }
  if (sqlite3_stmt_readonly(s.get()) == 0)
    fail_plain(path_, what + ": only read-only statements are allowed; this one would write");

  const int columns = sqlite3_column_count(s.get());
  for (int c = 0; c < columns; ++c) {
    if (c > 0) out << ',';
    const char* name = sqlite3_column_name(s.get(), c);
    csv::field(out, name != nullptr ? name : "");
  }
  out << '\n';
  while (s.step()) {
    for (int c = 0; c < columns; ++c) {
      if (c > 0) out << ',';
      write_csv_cell(out, s.get(), c);
    }
    out << '\n';
  }
}

}  // namespace optbench::store
