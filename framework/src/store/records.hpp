// The vocabulary both sides of the store share: what a run, an experiment,
// a point of history and a sampled surface are, and the errors a store
// throws. Plain data: no database here, so the run loop and the readers can
// use it without naming an implementation.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace optbench::store {

/// Thrown for any SQLite failure; the message names the DB file and the
/// statement's purpose.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The file is not a SQLite database, or its header, size or b-trees are
/// damaged (flipped bytes, truncation). Thrown when a store is opened,
/// before anything is written to the file. The CLI exits with code 3 for it.
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

/// Pruned: stopped by a search (successive halving) before its full budget;
/// its history is kept, and it is finished but never a result.
enum class RunStatus { Pending, Running, Done, Diverged, Failed, Interrupted, Pruned };
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
  /// The run's result (SCHEMA.md): a data run's last epoch mean train loss,
  /// a 2-D run's last loss; NaN/inf kept as such; NaN when none was seen.
  double final_loss = 0.0;
  std::optional<double> final_test_loss;  ///< after the last epoch, with a test split
  std::optional<double> final_accuracy;   ///< fraction in [0, 1], classification only
  std::string host;
  /// JSON: optbench version, host, CPU, threads, each plugin's name, version,
  /// file and digest, the data files' digests.
  std::string provenance = "{}";
  bool in_grid = true;  ///< in its experiment's current grid
  std::int64_t attempts = 1;
  /// The machine that trained the run (empty until it finished) and, over
  /// MPI, the rank that did.
  std::string trained_host;
  std::optional<std::int64_t> trained_rank;
};

/// What finish_run stores.
struct RunResult {
  RunStatus status = RunStatus::Done;
  std::string error;
  double wall_seconds = 0.0;
  std::int64_t steps = 0;
  std::optional<double> final_loss;  ///< none when no loss was computed (stored NULL)
  std::optional<double> final_test_loss;
  std::optional<double> final_accuracy;
  /// Where the run was trained: empty for this machine; `rank` only over MPI.
  std::string host;
  std::optional<int> rank;
};

/// Another experiment file already uses this name in the database.
class ExperimentConflict : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Which of an experiment's runs a reader sees.
enum class Scope {
  Current,  ///< the runs in the experiment's current grid
  All       ///< also those set aside by an edit of the experiment
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

/// A piece of one run's history exactly as the store keeps it: one series
/// (a metric of one split, or the 2-D trajectory), its points already in the
/// store's text (store/chunks.hpp). Over MPI a rank reads these from its
/// scratch store and rank 0 inserts them as they are, so no number is turned
/// into text twice and rank 0 does no number formatting at all.
struct HistoryChunk {
  bool trajectory = false;  ///< a trajectory chunk; else a metric chunk
  std::string split, name;  ///< the metric's; empty for a trajectory
  std::int64_t first_step = 0, last_step = 0, count = 0;
  std::string points;  ///< the JSON array of the chunk's points
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

}  // namespace optbench::store
