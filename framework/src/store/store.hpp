// The results database (SQLite, one file). Training writes through it; query,
// plot and report read only through it. Schema: SCHEMA.md (text) and
// schema.hpp (the SQL) beside this file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

struct sqlite3;

namespace optbench::store {

/// Thrown for any SQLite failure; the message names the DB file and the
/// statement's purpose.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The file is not a SQLite database, or its header, size or b-trees are
/// damaged (flipped bytes, truncation). Thrown by Store::open before anything
/// is written to the file. The CLI exits with code 3 for it.
class DamagedDatabase : public StoreError {
 public:
  using StoreError::StoreError;
};

/// A write to a run that this process no longer owns: its heartbeat went
/// stale (the process was paused, say, for over kStaleAfterSeconds) and the
/// run was marked interrupted, or another process has claimed it since. The
/// write is refused so that the two attempts' histories never mix.
class RunTakenOver : public StoreError {
 public:
  using StoreError::StoreError;
};

enum class RunStatus { Pending, Running, Done, Diverged, Failed, Interrupted };
const char* to_string(RunStatus s);
RunStatus parse_status(const std::string& s);  // throws StoreError on unknown

struct ExperimentRecord {
  std::int64_t id = 0;
  std::string name;
  std::string title;        ///< human title from the YAML (may be empty)
  std::string yaml;         ///< the experiment file's text as run last
  std::string source_path;  ///< where it was read from
  std::string created;      ///< ISO-8601 UTC
};

/// One run of the grid. `label` is the display name used in legends
/// ("Adam lr=0.2"); `group` identifies the grid cell without the seed, so
/// seeds of one cell can be aggregated; `problem` identifies the model +
/// dataset cell (one contour panel set, one lr-sensitivity chart).
struct RunRecord {
  std::int64_t id = 0;
  std::string experiment;
  std::string config_hash;  ///< stable over re-runs; unique per experiment
  std::string group_key;
  std::string problem_key;
  std::string optimizer;  ///< plugin name
  std::string label;
  std::string model;
  std::string dataset;      ///< empty for 2-D functions
  std::string hyperparams;  ///< JSON object:
                            ///< {"optimizer":{...},"model":{...},"dataset":{...},"train":{...}}
  std::int64_t seed = 0;
  double lr = 0.0;  ///< the optimizer's lr, NaN when it has none (for lr charts)
  RunStatus status = RunStatus::Pending;
  std::string error;
  std::string started;
  std::string finished;
  double wall_seconds = 0.0;
  std::int64_t steps = 0;
  double final_loss = 0.0;  ///< NaN/inf kept as such
  std::string host;
};

struct MetricPoint {
  std::int64_t step = 0;
  std::int64_t epoch = 0;
  std::string split;  ///< "train" or "test"
  std::string name;   ///< "loss", "accuracy", "epoch_loss", ...
  double value = 0.0;
  double wall_seconds = 0.0;  ///< since the run started
};

struct TrajectoryPoint {
  std::int64_t step = 0;
  double x0 = 0.0, x1 = 0.0;
};

/// A 2-D function sampled on a regular grid, so charts can draw contours
/// without loading the model plugin. values[j * nx + i] = f(x0_i, x1_j).
struct Surface {
  std::string problem_key;
  std::string model;
  int nx = 0, ny = 0;
  double x0_min = 0, x0_max = 0, x1_min = 0, x1_max = 0;
  double min_x0 = 0, min_x1 = 0;  ///< the known minimizer
  std::vector<double> values;
};

/// Result of claiming a run before training it.
struct Claim {
  std::int64_t run_id = 0;
  bool already_done = false;  ///< finished earlier (done/diverged/failed): skip it
  /// Non-empty when another live process is running it ("pid 12 on host
  /// h"): skip it too.
  std::string running_elsewhere;
};

/// A run's heartbeat is renewed this often while its process lives.
inline constexpr double kHeartbeatSeconds = 2.0;
/// A run whose heartbeat is this old is taken for abandoned even when its
/// process cannot be checked (another host) or its pid was reused.
inline constexpr double kStaleAfterSeconds = 60.0;

class Store {
 public:
  enum class Mode { ReadWrite, ReadOnly };

  /// Opens (ReadWrite: creating or migrating the schema) the DB file. WAL
  /// mode, busy timeout, foreign keys on. An existing file is checked first
  /// (integrity.hpp) and refused with DamagedDatabase when damaged. Throws
  /// StoreError.
  static Store open(const std::filesystem::path& file, Mode mode = Mode::ReadWrite);
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();

  const std::filesystem::path& path() const { return path_; }

  // --- writing -----------------------------------------------------------
  /// Creates the experiment or updates its yaml/title/source; returns its id.
  std::int64_t upsert_experiment(const std::string& name, const std::string& title,
                                 const std::string& yaml, const std::string& source_path);
  /// Inserts the run (keyed by experiment + config_hash) or, if it exists and
  /// did not finish (pending/running/interrupted), clears its history and
  /// marks it running again, owned by this process (pid, host, heartbeat).
  /// Finished runs come back with already_done; runs that a live process
  /// runs, with running_elsewhere.
  Claim claim_run(std::int64_t experiment_id, const RunRecord& run);
  /// Renews the heartbeat of every run this process is running.
  void heartbeat();
  /// Marks `interrupted` every run left `running` by a process that is gone:
  /// its pid is dead (same host) or its heartbeat is older than
  /// kStaleAfterSeconds. Returns how many.
  std::size_t recover_stale_runs();
  /// Appends points in one BEGIN IMMEDIATE transaction. This and
  /// finish_run write only to a run that is `running` and owned by this
  /// process or its parent (a worker writes the runs its host claimed);
  /// otherwise they throw RunTakenOver and change nothing.
  void append_metrics(std::int64_t run_id, std::span<const MetricPoint> points);
  void append_trajectory(std::int64_t run_id, std::span<const TrajectoryPoint> points);
  /// Sets the final status and figures of a run.
  void finish_run(std::int64_t run_id, RunStatus status, const std::string& error,
                  double wall_seconds, std::int64_t steps, double final_loss);
  /// Stores a sampled surface once per experiment and problem (first wins).
  void put_surface(std::int64_t experiment_id, const Surface& surface);

  // --- reading -----------------------------------------------------------
  std::vector<ExperimentRecord> experiments() const;
  std::optional<ExperimentRecord> experiment(const std::string& name) const;
  /// Runs in id order; all experiments when `experiment` is empty.
  std::vector<RunRecord> runs(const std::string& experiment = {}) const;
  std::optional<RunRecord> run(std::int64_t run_id) const;
  /// Points of one metric of one run, in step order.
  std::vector<MetricPoint> metrics(std::int64_t run_id, const std::string& name,
                                   const std::string& split = "train") const;
  /// Every metric of one run, by name, split and step (for export).
  std::vector<MetricPoint> all_metrics(std::int64_t run_id) const;
  std::vector<TrajectoryPoint> trajectory(std::int64_t run_id) const;
  std::optional<Surface> surface(const std::string& experiment,
                                 const std::string& problem_key) const;

  /// Runs one SQL statement on a read-only connection and writes the result
  /// as CSV (header row, RFC 4180 quoting; NaN as "NaN", infinities as
  /// "inf"/"-inf"). Throws StoreError for writes or bad SQL.
  void query_csv(const std::string& sql, std::ostream& out) const;

 private:
  Store(std::filesystem::path path, sqlite3* db, Mode mode);
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  Mode mode_ = Mode::ReadWrite;
};

}  // namespace optbench::store
