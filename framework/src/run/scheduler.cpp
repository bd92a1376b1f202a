#include "run/scheduler.hpp"

#include <stdexcept>

#include "run/process_scheduler.hpp"
#include "run/thread_scheduler.hpp"
#ifdef OPTBENCH_WITH_MPI
#include "run/mpi_scheduler.hpp"
#endif

namespace optbench::run {

namespace {

const experiment::RunSpec* first_timed(const Options& options,
                                       const std::vector<experiment::RunSpec>& runs) {
  for (const auto& run : runs) {
    if (run_timeout(run, options) > 0) return &run;
  }
  return nullptr;
}

}  // namespace

void check_scheduler(const Options& options, const std::vector<experiment::RunSpec>& runs) {
#ifndef OPTBENCH_WITH_MPI
  if (options.over_mpi) throw std::invalid_argument("this optbench was built without MPI");
#endif
  if (options.isolate) {
    if (options.worker_binary.empty())
      throw std::invalid_argument("isolated runs need the path of the optbench executable");
    return;
  }
  if (const auto* timed = first_timed(options, runs)) {
    throw std::invalid_argument("run '" + timed->label +
                                "' has a timeout, which needs worker processes: a run on a "
                                "thread of this process cannot be stopped from outside; drop "
                                "--in-process or the timeout");
  }
}

bool choose_isolation(std::optional<bool> requested, const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs, const Options& options) {
  if (requested) return *requested;
  return spec.isolate.value_or(options.jobs > 1) || first_timed(options, runs) != nullptr;
}

std::unique_ptr<Scheduler> make_scheduler(const Options& options,
                                          const std::vector<experiment::RunSpec>& runs) {
  check_scheduler(options, runs);
#ifdef OPTBENCH_WITH_MPI
  if (options.over_mpi) return std::make_unique<MpiScheduler>();
#endif
  if (options.isolate) return std::make_unique<ProcessScheduler>();
  return std::make_unique<ThreadScheduler>();
}

}  // namespace optbench::run
