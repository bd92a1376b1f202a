// How a sweep's runs are spread over the machine. Every scheduler claims the
// runs in grid order, trains at most `jobs` at a time, reports each outcome
// to the sweep log and stops starting runs once SIGINT/SIGTERM arrives.
// The implementations are threads of this process (thread_scheduler.hpp),
// one worker process per run (process_scheduler.hpp) and, on rank 0 of an
// MPI job, the ranks (mpi_scheduler.hpp); make_scheduler is the one place
// that picks one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "run/runner.hpp"
#include "run/sweep_log.hpp"

namespace optbench::run {

/// Everything a scheduler needs to know about one sweep.
struct Sweep {
  const experiment::ExperimentSpec& spec;
  const std::vector<experiment::RunSpec>& runs;
  const registry::Registry& plugins;
  const Options& options;
  std::int64_t experiment_id = 0;
  int jobs = 1;  ///< runs at once, between 1 and runs.size()
  SweepLog& log;
};

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  /// Claims and trains every run of `sweep` that is not finished yet;
  /// returns when each one started has an outcome stored or reported. Throws
  /// store::StoreError when the store cannot be used.
  virtual void run(const Sweep& sweep) = 0;
};

/// The scheduler for `options`: the MPI ranks when options.over_mpi, worker
/// processes when options.isolate, else threads. Throws std::invalid_argument when the options
/// cannot work together (check_scheduler).
std::unique_ptr<Scheduler> make_scheduler(const Options& options,
                                          const std::vector<experiment::RunSpec>& runs);

/// Refuses what the chosen scheduler cannot do: a run with a timeout on
/// threads (a thread cannot be stopped from outside; a process can), and
/// worker processes without the executable to start them. Throws
/// std::invalid_argument naming the run and the way out.
void check_scheduler(const Options& options, const std::vector<experiment::RunSpec>& runs);

/// Whether runs go to worker processes when the command line does not say
/// (`requested`): processes when the experiment's `isolate` says so or, if
/// it says nothing, when runs go in parallel (a crash in one plugin then
/// costs one run, not every run in flight); and always when a run has a
/// timeout. An explicit request wins, and check_scheduler judges it.
bool choose_isolation(std::optional<bool> requested, const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs, const Options& options);

}  // namespace optbench::run
