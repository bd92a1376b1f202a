// The write side of the results store: what the run loop does to it. A
// sweep records its experiment, claims each run (so two processes never
// train the same one), keeps its runs' heartbeat, appends their history in
// batches and finishes each with its outcome. The scheduler, the training
// loop and the worker process take a `Writer&`; which store is behind it is
// chosen by store::open.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace optbench::store {

class Writer {
 public:
  virtual ~Writer() = default;

  /// Creates the experiment or updates its yaml/title/source; returns its id.
  /// An experiment of that name stored from another file (another path and
  /// other text) is refused with ExperimentConflict naming both paths,
  /// unless `replace`.
  virtual std::int64_t upsert_experiment(const std::string& name, const std::string& title,
                                         const std::string& yaml, const std::string& source_path,
                                         bool replace = false) = 0;
  /// Marks which runs of the experiment are in its current grid (in_grid):
  /// those whose config_hash is in `hashes`; the others are set aside, kept
  /// but not shown. Refreshes the runs_flat view with the grid's
  /// hyperparameters (`hyperparams`: one JSON object per run).
  virtual void set_grid(std::int64_t experiment_id, const std::vector<std::string>& hashes,
                        const std::vector<std::string>& hyperparams) = 0;
  /// Deletes runs (with their histories) of an experiment: every run when
  /// `status` and `run_id` are empty, and the experiment itself with them;
  /// else only the runs with that status and/or id. Returns how many runs.
  virtual std::size_t delete_runs(const std::string& experiment,
                                  const std::optional<RunStatus>& status,
                                  const std::optional<std::int64_t>& run_id) = 0;
  /// Inserts the run (keyed by experiment + config_hash) or, if it exists and
  /// did not finish (pending/running/interrupted), clears its history and
  /// marks it running again, owned by this process (pid, host, heartbeat).
  /// Finished runs come back with already_done, unless their status is in
  /// `retry`: then their history is deleted and they are trained again in
  /// the same row (`attempts` counts the attempts). Runs that a live process
  /// runs come back with running_elsewhere.
  virtual Claim claim_run(std::int64_t experiment_id, const RunRecord& run,
                          const std::vector<RunStatus>& retry = {}) = 0;
  /// claim_run for each of `runs`, in order, as one transaction: a sweep of
  /// short runs claims them a batch at a time instead of paying a commit
  /// per run. This default claims them one by one.
  virtual std::vector<Claim> claim_runs(std::int64_t experiment_id,
                                        const std::vector<RunRecord>& runs,
                                        const std::vector<RunStatus>& retry = {}) {
    std::vector<Claim> claims;
    for (const auto& run : runs)
      claims.push_back(claim_run(experiment_id, run, retry));
    return claims;
  }
  /// Gives back runs this process claimed and then never trained (the sweep
  /// stopped first): a run the claim inserted is removed, as if never
  /// claimed; a run that existed before is marked interrupted, to be
  /// trained by the next invocation, with its attempt uncounted. Runs that
  /// are not `running` under this process are left alone.
  virtual void release_runs(const std::vector<std::int64_t>& run_ids) = 0;
  /// Renews the heartbeat of every run this process is running.
  virtual void heartbeat() = 0;
  /// Marks `interrupted` every run left `running` by a process that is gone:
  /// its pid is dead (same host) or its heartbeat is older than
  /// kStaleAfterSeconds. Returns how many.
  virtual std::size_t recover_stale_runs() = 0;
  /// Appends points atomically. This and finish_run write only to a run
  /// that is `running` and owned by this process or its parent (a worker
  /// writes the runs its host claimed); otherwise they throw RunTakenOver
  /// and change nothing.
  virtual void append_metrics(std::int64_t run_id, std::span<const MetricPoint> points) = 0;
  virtual void append_trajectory(std::int64_t run_id, std::span<const TrajectoryPoint> points) = 0;
  /// Appends chunks another store of this build wrote (Reader::history_chunks)
  /// atomically, under the same rule as append_metrics. This default decodes
  /// them and appends their points.
  virtual void append_chunks(std::int64_t run_id, std::span<const HistoryChunk> chunks);
  /// Sets the final status and figures of a run.
  virtual void finish_run(std::int64_t run_id, const RunResult& result) = 0;
  void finish_run(std::int64_t run_id, RunStatus status, const std::string& error,
                  double wall_seconds, std::int64_t steps, double final_loss) {
    finish_run(run_id, RunResult{status, error, wall_seconds, steps, final_loss, {}, {}});
  }
  /// Marks a finished (`done`) run `pruned` with the reason, keeping its
  /// history: a search stopped it before its full budget. Returns false when
  /// the run is not `done` (already pruned, diverged, failed).
  virtual bool prune_run(std::int64_t run_id, const std::string& reason) = 0;
  /// Stores a sampled surface once per experiment and problem (first wins).
  virtual void put_surface(std::int64_t experiment_id, const Surface& surface) = 0;
  /// Calls `writes` (calls of this writer) so that they commit together, as
  /// one transaction: many short runs' histories and outcomes then cost one
  /// commit. Each write inside still checks and applies on its own (a
  /// RunTakenOver undoes only that write, and `writes` may catch it); an
  /// exception leaving `writes` undoes them all. This default just calls
  /// `writes`, each write committing by itself.
  virtual void in_one_transaction(const std::function<void()>& writes) { writes(); }
};

}  // namespace optbench::store
