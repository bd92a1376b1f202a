#include "run/worker.hpp"

#include <sys/prctl.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <stdexcept>
#include <unordered_map>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "run/progress.hpp"
#include "run/stop.hpp"
#include "run/worker_protocol.hpp"

namespace optbench::run {

// One experiment as the worker rebuilt it from the stored text.
struct WorkerSession::Grid {
  std::string yaml;  ///< the stored text it was built from
  std::int64_t experiment_id = 0;
  experiment::ExperimentSpec spec;
  std::vector<experiment::RunSpec> runs;
  std::unordered_map<std::string, std::size_t> by_hash;
};

WorkerSession::WorkerSession(const WorkerOptions& options)
    : options_(options),
      plugins_(registry::Registry::load(options.plugin_folders, options.scan)),
      store_(store::open(options.db)),
      batch_(*store_) {}

WorkerSession::~WorkerSession() = default;

const WorkerSession::Grid& WorkerSession::grid_of(const std::string& experiment) {
  const auto stored = store_->experiment(experiment);
  if (!stored) throw std::runtime_error("no experiment '" + experiment + "' in the database");
  auto& grid = grids_[experiment];
  // The host does not change the text during a sweep; another sweep of the
  // same name later may, and then the grid is expanded anew.
  if (!grid || grid->yaml != stored->yaml || grid->experiment_id != stored->id) {
    grid = std::make_unique<Grid>(
        Grid{stored->yaml,
             stored->id,
             experiment::load_text(stored->yaml, stored->source_path, plugins_),
             {},
             {}});
    grid->runs = experiment::expand(grid->spec, plugins_);
    for (std::size_t i = 0; i < grid->runs.size(); ++i)
      grid->by_hash.emplace(grid->runs[i].config_hash, i);
  }
  return *grid;
}

std::vector<RunReport> WorkerSession::train(std::int64_t run_id, const std::string& prefix) {
  const auto record = store_->run(run_id);
  if (!record) throw std::runtime_error("no run " + std::to_string(run_id) + " in the database");
  const auto& grid = grid_of(record->experiment);
  const auto found = grid.by_hash.find(record->config_hash);
  const bool quiet = options_.quiet;
  ProgressPrinter printer(std::cout);
  RunContext context{grid.spec, plugins_, grid.experiment_id, options_.threads, &surfaces_};
  if (!quiet) {
    context.progress_every = options_.progress_every;
    context.on_progress = [&](const std::string& line) { printer.live(prefix + ": " + line); };
  }
  const auto on_epoch = [&](const std::string& line) {
    if (!quiet) printer.line(prefix + ": " + line);
  };
  if (found == grid.by_hash.end()) {
    // Nothing to train: the failure is this run's outcome, stored like any.
    return batch_.fail(run_id, run_id,
                       "the stored experiment '" + grid.spec.name + "' no longer yields run " +
                           record->config_hash + " (a plugin or a data file changed meanwhile?)");
  }
  return batch_.train(static_cast<std::size_t>(run_id), context, grid.runs[found->second], run_id,
                      on_epoch);
}

namespace {

// Sends a "done" for each report; false when the store failed (the worker
// then stops) or the host is gone.
bool reply(int channel, const std::vector<RunReport>& reports) {
  bool go_on = true;
  for (const auto& r : reports) {
    int code = 0;
    switch (r.end) {
      case RunReport::End::Stored:
        break;
      case RunReport::End::TakenOver:
        code = kWorkerTakenOver;
        break;
      case RunReport::End::StorageFailed:
        // The host reports it in its own words after this message.
        std::cerr << "optbench worker: " << r.why << "\n";
        code = kWorkerStorageFailed;
        go_on = false;
        break;
    }
    if (!protocol::send_all(channel, protocol::done_line(r.run_id, code))) go_on = false;
  }
  return go_on;
}

}  // namespace

int serve_worker(const WorkerOptions& options, int channel) {
  // A worker whose host died (kill -9) must not go on writing into runs
  // that the next invocation will reclaim and redo.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (options.parent != 0 && getppid() != options.parent) return 1;  // host died before prctl
  const SignalScope signals;
  WorkerSession session(options);
  protocol::LineReader commands(channel);
  bool storage_failed = false;
  while (!stop_requested() && !storage_failed) {
    // Held writes wait only while the next run is already here; otherwise
    // they are committed before waiting, so the host hears of them now.
    if (session.pending() && !commands.ready() && !reply(channel, session.commit())) {
      storage_failed = true;
      break;
    }
    const auto line = commands.next(true);
    if (!line) {
      if (commands.at_end()) break;
      continue;  // a signal: look at the stop flag again
    }
    const auto message = protocol::parse(*line);
    if (!message || message->kind != protocol::Message::Kind::Run)
      throw std::runtime_error("unexpected line from the host: '" + *line + "'");
    if (!protocol::send_all(channel, protocol::start_line(message->run_id))) break;
    storage_failed = !reply(channel, session.train(message->run_id, message->prefix));
    if (!storage_failed && session.commit_due()) storage_failed = !reply(channel, session.commit());
  }
  if (!storage_failed) storage_failed = !reply(channel, session.commit());
  return storage_failed ? kWorkerStorageFailed : 0;
}

}  // namespace optbench::run
