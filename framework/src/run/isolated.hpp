// The worker-process scheduler: each run is trained by a child process
// (`optbench worker`, exec'd fresh), so a plugin that throws, aborts,
// segfaults, hangs or exits takes down only its own run, which is then
// recorded as failed with the reason.
#pragma once

#include <cstdint>
#include <vector>

#include "experiment/spec.hpp"
#include "run/runner.hpp"
#include "run/sweep_log.hpp"
#include "store/store.hpp"

namespace optbench::run {

/// Claims and trains the runs, at most `jobs` worker processes at a time.
void run_isolated(const experiment::ExperimentSpec& spec,
                  const std::vector<experiment::RunSpec>& runs, const Options& options,
                  std::int64_t experiment_id, int jobs, SweepLog& log);

}  // namespace optbench::run
