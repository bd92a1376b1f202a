// One run from claimed to finished: its plugins built, trained into the
// store, its outcome recorded. The in-process scheduler and the worker
// process both go through here, so a run is the same run either way.
#pragma once

#include <cstdint>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "run/trainer.hpp"
#include "store/writer.hpp"

namespace optbench::run {

/// The run could not go on for a reason outside it: its data files are
/// missing, unreadable or damaged. Its run is stored `interrupted` rather
/// than `failed`, so the next invocation trains it again once the files
/// are there.
class EnvironmentFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The 2-D problems whose surface this process has already stored. A
/// surface is 10,201 evaluations of the function and an 80 kB row of which
/// the store keeps the first; a process training many runs of one problem
/// samples and writes it once. Safe from several threads.
class StoredSurfaces {
 public:
  /// True the first time it is asked about this experiment and problem.
  bool first(std::int64_t experiment_id, const std::string& problem_key) {
    std::lock_guard lock(mutex_);
    return seen_.emplace(experiment_id, problem_key).second;
  }

 private:
  std::mutex mutex_;
  std::set<std::pair<std::int64_t, std::string>> seen_;
};

struct RunContext {
  const experiment::ExperimentSpec& spec;
  const registry::Registry& plugins;
  std::int64_t experiment_id = 0;
  int threads = 1;  ///< threads the model may use
  /// Surfaces already stored by this process; null: store each run's.
  StoredSurfaces* surfaces = nullptr;
  /// Seconds between progress lines inside an epoch (0: none), and where
  /// they go; see trainer.hpp.
  double progress_every = 0.0;
  EpochCallback on_progress;
};

struct Outcome {
  TrainResult result;
  double wall_seconds = 0.0;
  /// The store refused this attempt's writes (store::RunTakenOver, whose
  /// text is in result.error); nothing of it was finished.
  bool taken_over = false;
};

/// The runs row a claim inserts or resets for `run`.
/// `threads`: the threads the run's model may use, for its provenance.
store::RunRecord claim_record(const experiment::ExperimentSpec& spec,
                              const experiment::RunSpec& run, int threads);

/// Trains the claimed run `run_id` and stores its status with finish_run.
/// What the run itself throws (its plugins, its settings) makes it Failed
/// with the message; an EnvironmentFailure makes it Interrupted, to be
/// retried. A store::StoreError (a full disk, a lock held past the busy
/// timeout) is no result of the run: the run is marked Interrupted if the
/// store still takes that, and the error propagates so the sweep stops.
Outcome execute_run(store::Writer& db, const RunContext& context, const experiment::RunSpec& run,
                    std::int64_t run_id, const EpochCallback& on_epoch);

}  // namespace optbench::run
