#include "run/runner.hpp"

#include <algorithm>
#include <cmath>

#include "run/heartbeat.hpp"
#include "run/scheduler.hpp"
#include "run/stop.hpp"
#include "run/sweep_log.hpp"
#include "store/backend.hpp"

namespace optbench::run {

double run_timeout(const experiment::RunSpec& run, const Options& options) {
  return options.timeout.value_or(run.train.timeout);
}

std::vector<experiment::RunSpec> shard_of(const std::vector<experiment::RunSpec>& runs,
                                          const Shard& shard) {
  std::vector<experiment::RunSpec> part;
  for (std::size_t i = static_cast<std::size_t>(shard.index - 1); i < runs.size();
       i += static_cast<std::size_t>(shard.count))
    part.push_back(runs[i]);
  return part;
}

SweepResult run_sweep(const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs,
                      const registry::Registry& plugins, const Options& options,
                      const std::vector<experiment::RunSpec>* grid) {
  const auto scheduler = make_scheduler(options, runs);
  std::int64_t experiment_id;
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(runs.size())));
  SweepLog log(runs, options.log, jobs);
  {
    const auto db = store::open(options.db);
    experiment_id = db->upsert_experiment(spec.name, spec.title, spec.yaml_text,
                                          spec.source_path.string(), options.replace);
    std::vector<std::string> hashes, hyperparams;
    for (const auto& run : grid ? *grid : runs) {
      hashes.push_back(run.config_hash);
      hyperparams.push_back(run.hyperparams_json);
    }
    db->set_grid(experiment_id, hashes, hyperparams);
    if (const auto stale = db->recover_stale_runs()) {
      log.say("marked " + std::to_string(stale) +
              " run(s) of a process that is gone as interrupted");
    }
  }
  const SignalScope signals;
  const Heartbeat heartbeat(options.db);
  scheduler->run({spec, runs, plugins, options, experiment_id, jobs, log});
  auto result = log.result();
  result.stop_signal = stop_signal();
  return result;
}

}  // namespace optbench::run
