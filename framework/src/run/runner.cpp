#include "run/runner.hpp"

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "run/execute.hpp"
#include "run/heartbeat.hpp"
#include "run/isolated.hpp"
#include "run/stop.hpp"
#include "run/sweep_log.hpp"
#include "store/store.hpp"

namespace optbench::run {

namespace {

// Runs on threads of this process, each with its own store connection.
class InProcess {
 public:
  InProcess(const experiment::ExperimentSpec& spec, const std::vector<experiment::RunSpec>& runs,
            const registry::Registry& plugins, const Options& options, std::int64_t experiment_id,
            SweepLog& log)
      : runs_(runs),
        context_{spec, plugins, experiment_id, options.threads_per_run},
        options_(options),
        log_(log) {}

  void worker() {
    auto db = store::Store::open(options_.db);
    for (std::size_t i = next_++; i < runs_.size() && !stop_requested(); i = next_++)
      one(db, i);
  }

 private:
  void one(store::Store& db, std::size_t i) {
    const auto& run = runs_[i];
    const auto claim = db.claim_run(context_.experiment_id, claim_record(context_.spec, run));
    if (log_.skips(i, claim)) return;
    const auto outcome = execute_run(db, context_, run, claim.run_id, [&](const std::string& line) {
      log_.say(log_.prefix(i) + ": " + line);
    });
    const auto& r = outcome.result;
    if (outcome.taken_over) {
      log_.taken_over(i, r.error);
    } else {
      log_.finished(i, r.status, r.error, r.final_loss, r.steps, outcome.wall_seconds);
    }
  }

  const std::vector<experiment::RunSpec>& runs_;
  const RunContext context_;
  const Options& options_;
  SweepLog& log_;
  std::atomic<std::size_t> next_{0};
};

void run_threads(InProcess& sweep, int jobs) {
  if (jobs == 1) {
    sweep.worker();
    return;
  }
  std::vector<std::thread> threads;
  // A store failure in one worker must not terminate the process; it is
  // rethrown here after the others finish.
  std::exception_ptr first_error;
  std::mutex error_mutex;
  for (int t = 0; t < jobs; ++t) {
    threads.emplace_back([&] {
      try {
        sweep.worker();
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace

double run_timeout(const experiment::RunSpec& run, const Options& options) {
  return options.timeout.value_or(run.train.timeout);
}

SweepResult run_sweep(const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs,
                      const registry::Registry& plugins, const Options& options) {
  if (options.isolate && options.worker_binary.empty())
    throw std::invalid_argument("isolated runs need the path of the optbench executable");
  if (!options.isolate) {
    for (const auto& run : runs) {
      if (run_timeout(run, options) > 0)
        throw std::invalid_argument(
            "run '" + run.label +
            "' has a timeout, which needs worker processes (--isolate): "
            "a run on a thread of this process cannot be stopped from outside");
    }
  }
  std::int64_t experiment_id;
  SweepLog log(runs, options.log);
  {
    auto db = store::Store::open(options.db);
    experiment_id =
        db.upsert_experiment(spec.name, spec.title, spec.yaml_text, spec.source_path.string());
    if (const auto stale = db.recover_stale_runs()) {
      log.say("marked " + std::to_string(stale) +
              " run(s) of a process that is gone as interrupted");
    }
  }
  const SignalScope signals;
  const Heartbeat heartbeat(options.db);
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(runs.size())));
  if (options.isolate) {
    run_isolated(spec, runs, options, experiment_id, jobs, log);
  } else {
    InProcess sweep(spec, runs, plugins, options, experiment_id, log);
    run_threads(sweep, jobs);
  }
  auto result = log.result();
  result.stop_signal = stop_signal();
  return result;
}

}  // namespace optbench::run
