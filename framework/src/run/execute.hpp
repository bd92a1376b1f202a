// One run from claimed to finished: its plugins built, trained into the
// store, its outcome recorded. The in-process scheduler and the worker
// process both go through here, so a run is the same run either way.
#pragma once

#include <cstdint>
#include <stdexcept>

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

struct RunContext {
  const experiment::ExperimentSpec& spec;
  const registry::Registry& plugins;
  std::int64_t experiment_id = 0;
  int threads = 1;  ///< threads the model may use
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
