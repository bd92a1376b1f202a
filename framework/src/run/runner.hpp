// Runs the grid of an experiment: claims each run in the store (skipping
// those already finished), builds its dataset, model and optimizer from the
// plugins, trains it and records the outcome. Runs are independent and go
// `jobs` at a time, either on threads of this process, each with its own
// store connection, or each in a worker process of its own (`isolate`), so
// that a plugin that crashes or hangs takes only its own run down; the
// schedulers are in scheduler.hpp.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "store/records.hpp"

namespace optbench::run {

struct Options {
  std::filesystem::path db;
  int jobs = 1;
  std::ostream* log = nullptr;  ///< progress lines; null for silence
  int threads_per_run = 1;      ///< threads each run's model may use
  /// Each run in its own process: `worker_binary worker ...` (the optbench
  /// executable), loading plugins from exactly `plugin_folders`.
  bool isolate = false;
  std::filesystem::path worker_binary;
  std::vector<std::filesystem::path> plugin_folders;
  /// Seconds a run may take before its worker is killed; overrides each
  /// run's train.timeout. Needs `isolate`.
  std::optional<double> timeout;
  /// Finished runs with these statuses are trained again (--retry); their
  /// earlier attempt is replaced.
  std::vector<store::RunStatus> retry;
  /// Seconds between progress lines inside an epoch (0: none).
  double progress_every = 0.0;
  /// Runs a worker process trains before it is replaced by a fresh one
  /// (0: no limit; 1: a process per run).
  int runs_per_worker = 0;
  /// Make this file the definition of an experiment of the same name stored
  /// from another file (--replace), instead of refusing.
  bool replace = false;
  /// This process is rank 0 of an MPI job: the runs go to every rank
  /// (mpi_scheduler.hpp), and only this process opens the database.
  bool over_mpi = false;
};

struct SweepResult {
  std::size_t total = 0;
  std::size_t skipped = 0;  ///< finished in an earlier invocation, or run by another process
  std::size_t done = 0;
  std::size_t diverged = 0;
  std::size_t failed = 0;
  std::size_t interrupted = 0;  ///< stopped by SIGINT/SIGTERM, to be redone on resume
  /// Refused: another process took the run over after this one's heartbeat
  /// went stale (store::RunTakenOver); that process's attempt stands.
  std::size_t taken_over = 0;
  int stop_signal = 0;  ///< the signal that stopped the sweep, or 0
};

/// Records the experiment and trains every run not already finished. A run
/// that fails (plugin error, bad data, crash or timeout of its worker) is
/// marked failed with the reason and the sweep goes on. SIGINT/SIGTERM stop
/// it: the runs in progress are marked interrupted with their history kept
/// and no new run starts. Throws store::StoreError when the DB cannot be
/// used, std::invalid_argument for inconsistent options.
///
/// `grid` is the experiment's whole grid when `runs` is only part of it (a
/// rung of successive halving): the stored runs in `grid` are the ones marked
/// current. By default it is `runs`.
SweepResult run_sweep(const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs,
                      const registry::Registry& plugins, const Options& options,
                      const std::vector<experiment::RunSpec>* grid = nullptr);

/// Part `index` (1-based) of `count` parts of a grid (--shard K/N): runs
/// index-1, index-1+count, ... in grid order, so each part gets every
/// count-th run and the parts balance by number and by kind. Swept with the
/// whole grid as run_sweep's `grid`, so the database records the grid.
struct Shard {
  int index = 1, count = 1;
};
std::vector<experiment::RunSpec> shard_of(const std::vector<experiment::RunSpec>& runs,
                                          const Shard& shard);

/// The timeout of `run` in seconds under `options` (0: none).
double run_timeout(const experiment::RunSpec& run, const Options& options);

}  // namespace optbench::run
