#include "run/worker.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <stdexcept>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "registry/registry.hpp"
#include "run/execute.hpp"
#include "run/stop.hpp"
#include "store/backend.hpp"

namespace optbench::run {

namespace {

int train_one(const WorkerOptions& options);

}  // namespace

int run_worker(const WorkerOptions& options) {
  try {
    return train_one(options);
  } catch (const store::RunTakenOver&) {
    return kWorkerTakenOver;
  } catch (const store::StoreError& e) {
    std::cerr << "optbench worker: " << e.what() << "\n";
    return kWorkerStorageFailed;
  }
}

namespace {

int train_one(const WorkerOptions& options) {
  // A worker whose host died (kill -9) must not go on writing into a run
  // that the next invocation will reclaim and redo.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != options.parent) return 1;  // the host died before prctl
  const SignalScope signals;

  const auto plugins = registry::Registry::load(options.plugin_folders, options.scan);
  const auto store = store::open(options.db);
  auto& db = *store;
  const auto record = db.run(options.run_id);
  if (!record)
    throw std::runtime_error("no run " + std::to_string(options.run_id) + " in the database");
  const auto stored = db.experiment(record->experiment);
  if (!stored)
    throw std::runtime_error("no experiment '" + record->experiment + "' in the database");
  const auto spec = experiment::load_text(stored->yaml, stored->source_path, plugins);
  const auto runs = experiment::expand(spec, plugins);
  const experiment::RunSpec* run = nullptr;
  for (const auto& candidate : runs) {
    if (candidate.config_hash == record->config_hash) run = &candidate;
  }
  if (run == nullptr) {
    db.finish_run(
        options.run_id,
        store::RunResult{store::RunStatus::Failed,
                         "the stored experiment '" + spec.name + "' no longer yields run " +
                             record->config_hash + " (a plugin or a data file changed meanwhile?)",
                         0.0, 0, std::nullopt, std::nullopt, std::nullopt});
    return 0;
  }
  const RunContext context{spec, plugins, stored->id, options.threads};
  const auto outcome = execute_run(db, context, *run, options.run_id, [&](const std::string& line) {
    if (!options.quiet) std::cout << options.prefix << ": " << line << '\n' << std::flush;
  });
  return outcome.taken_over ? kWorkerTakenOver : 0;
}

}  // namespace

}  // namespace optbench::run
