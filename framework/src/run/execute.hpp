// One run from claimed to finished: its plugins built, trained into the
// store, its outcome recorded. The in-process scheduler and the worker
// process both go through here, so a run is the same run either way.
#pragma once

#include <cstdint>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "run/trainer.hpp"
#include "store/writer.hpp"

namespace optbench::run {

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
store::RunRecord claim_record(const experiment::ExperimentSpec& spec,
                              const experiment::RunSpec& run);

/// Trains the claimed run `run_id` and stores its status with finish_run.
/// Anything thrown while training makes the run Failed with the message;
/// a failing finish_run propagates.
Outcome execute_run(store::Writer& db, const RunContext& context, const experiment::RunSpec& run,
                    std::int64_t run_id, const EpochCallback& on_epoch);

}  // namespace optbench::run
