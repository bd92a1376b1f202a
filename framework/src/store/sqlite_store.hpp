// The results store in one SQLite file: the implementation of
// store::Reader and store::Writer (opened through store::open, backend.hpp)
// and the SQL the `query` command runs. Schema: SCHEMA.md (text) and
// schema.hpp (the SQL) beside this file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/backend.hpp"
#include "store/records.hpp"

struct sqlite3;

namespace optbench::store {

class SqliteStore final : public Backend {
 public:
  enum class Mode { ReadWrite, ReadOnly };

  /// Opens (ReadWrite: creating or migrating the schema) the DB file. WAL
  /// mode, busy timeout, foreign keys on. An existing file is checked first
  /// (integrity.hpp) and refused with DamagedDatabase when damaged. Throws
  /// StoreError.
  static SqliteStore open(const std::filesystem::path& file, Mode mode = Mode::ReadWrite);
  SqliteStore(SqliteStore&&) noexcept;
  SqliteStore& operator=(SqliteStore&&) noexcept;
  ~SqliteStore() override;

  const std::filesystem::path& path() const override { return path_; }

  // --- store::Writer (documented there) --------------------------------
  // Each call is one BEGIN IMMEDIATE transaction; the ownership checks of
  // appends and finish_run run inside it (owner.hpp).
  std::int64_t upsert_experiment(const std::string& name, const std::string& title,
                                 const std::string& yaml, const std::string& source_path,
                                 bool replace = false) override;
  void set_grid(std::int64_t experiment_id, const std::vector<std::string>& hashes,
                const std::vector<std::string>& hyperparams) override;
  std::size_t delete_runs(const std::string& experiment, const std::optional<RunStatus>& status,
                          const std::optional<std::int64_t>& run_id) override;
  Claim claim_run(std::int64_t experiment_id, const RunRecord& run,
                  const std::vector<RunStatus>& retry = {}) override;
  std::vector<Claim> claim_runs(std::int64_t experiment_id, const std::vector<RunRecord>& runs,
                                const std::vector<RunStatus>& retry = {}) override;
  void release_runs(const std::vector<std::int64_t>& run_ids) override;
  void heartbeat() override;
  std::size_t recover_stale_runs() override;
  void append_metrics(std::int64_t run_id, std::span<const MetricPoint> points) override;
  void append_trajectory(std::int64_t run_id, std::span<const TrajectoryPoint> points) override;
  /// Inserts the chunks' text as it is, after checking their shape.
  void append_chunks(std::int64_t run_id, std::span<const HistoryChunk> chunks) override;
  void finish_run(std::int64_t run_id, const RunResult& result) override;
  using Writer::finish_run;  // the overload with separate figures
  bool prune_run(std::int64_t run_id, const std::string& reason) override;
  void put_surface(std::int64_t experiment_id, const Surface& surface) override;
  /// One BEGIN IMMEDIATE around `writes`; the writes' own transactions
  /// become savepoints inside it. The write lock is held while `writes`
  /// runs, so it should only replay writes already prepared, not train.
  void in_one_transaction(const std::function<void()>& writes) override;

  // --- store::Reader (documented there) --------------------------------
  // Histories are read from their chunks directly, not through the
  // one-row-per-point views (SCHEMA.md).
  std::vector<ExperimentRecord> experiments() const override;
  std::optional<ExperimentRecord> experiment(const std::string& name) const override;
  std::vector<RunRecord> runs(const std::string& experiment = {},
                              Scope scope = Scope::Current) const override;
  std::size_t count_runs(const std::string& experiment, const std::optional<RunStatus>& status,
                         const std::optional<std::int64_t>& run_id) const override;
  std::optional<RunRecord> run(std::int64_t run_id) const override;
  std::vector<MetricPoint> metrics(std::int64_t run_id, const std::string& name,
                                   const std::string& split = "train") const override;
  std::vector<MetricPoint> all_metrics(std::int64_t run_id) const override;
  std::vector<TrajectoryPoint> trajectory(std::int64_t run_id) const override;
  std::vector<HistoryChunk> history_chunks(std::int64_t run_id) const override;
  std::optional<Surface> surface(const std::string& experiment,
                                 const std::string& problem_key) const override;

  /// Runs one SQL statement on a read-only connection and writes the result
  /// as CSV (header row, RFC 4180 quoting; NaN as "NaN", infinities as
  /// "inf"/"-inf"). Throws StoreError for writes or bad SQL.
  void query_csv(const std::string& sql, std::ostream& out) const;

 private:
  SqliteStore(std::filesystem::path path, sqlite3* db, Mode mode);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  Mode mode_ = Mode::ReadWrite;
};

}  // namespace optbench::store
