#include "run/runner.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <thread>

#include "run/recorder.hpp"
#include "run/trainer.hpp"
#include "store/store.hpp"

namespace optbench::run {

namespace {

using Clock = std::chrono::steady_clock;

store::RunRecord record_of(const experiment::ExperimentSpec& spec, const experiment::RunSpec& run) {
  store::RunRecord r;
  r.experiment = spec.name;
  r.config_hash = run.config_hash;
  r.group_key = run.group_key;
  r.problem_key = run.problem_key;
  r.optimizer = run.optimizer;
  r.label = run.label;
  r.model = run.model;
  r.dataset = run.dataset.value_or("");
  r.hyperparams = run.hyperparams_json;
  r.seed = run.seed;
  r.lr = run.lr;
  r.status = store::RunStatus::Running;
  return r;
}

class Sweep {
 public:
  Sweep(const experiment::ExperimentSpec& spec, const std::vector<experiment::RunSpec>& runs,
        const registry::Registry& plugins, const Options& options, std::int64_t experiment_id)
      : spec_(spec),
        runs_(runs),
        plugins_(plugins),
        options_(options),
        experiment_id_(experiment_id) {}

  void worker() {
    auto db = store::Store::open(options_.db);
    for (std::size_t i = next_++; i < runs_.size(); i = next_++)
      one(db, i);
  }

  SweepResult result() const { return {runs_.size(), skipped_, done_, diverged_, failed_}; }

 private:
  void say(const std::string& line) {
    if (!options_.log) return;
    std::lock_guard lock(log_mutex_);
    *options_.log << line << '\n' << std::flush;
  }

  std::string prefix(std::size_t i) const {
    const auto& run = runs_[i];
    // Built by appending: GCC 12 reports a false -Wrestrict for "[" + string.
    std::string line = "[";
    line.append(std::to_string(i + 1)).append("/").append(std::to_string(runs_.size()));
    line.append("] ").append(run.label).append(" on ").append(run.problem_key);
    return line.append(", seed ").append(std::to_string(run.seed));
  }

  void one(store::Store& db, std::size_t i) {
    const auto& run = runs_[i];
    const auto claim = db.claim_run(experiment_id_, record_of(spec_, run));
    if (claim.already_done) {
      ++skipped_;
      say(prefix(i) + ": already in the database, skipped");
      return;
    }
    const auto t0 = Clock::now();
    TrainResult result;
    try {
      result = train_one(db, claim.run_id, i);
    } catch (const std::exception& e) {
      result.status = store::RunStatus::Failed;
      result.error = e.what();
      result.final_loss = std::nan("");
    }
    const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
    db.finish_run(claim.run_id, result.status, result.error, wall, result.steps, result.final_loss);
    char figures[96];
    std::snprintf(figures, sizeof figures, "final loss %.6g after %lld steps (%.2f s)",
                  result.final_loss, static_cast<long long>(result.steps), wall);
    switch (result.status) {
      case store::RunStatus::Done:
        ++done_;
        say(prefix(i) + ": done, " + figures);
        break;
      case store::RunStatus::Diverged:
        ++diverged_;
        say(prefix(i) + ": diverged (" + result.error + ")");
        break;
      default:
        ++failed_;
        say(prefix(i) + ": FAILED: " + result.error);
    }
  }

  TrainResult train_one(store::Store& db, std::int64_t run_id, std::size_t i) {
    const auto& run = runs_[i];
    std::shared_ptr<Dataset> data;
    ModelContext context;
    context.seed = static_cast<std::uint64_t>(run.seed);
    context.max_batch = static_cast<std::size_t>(run.train.batch_size);
    if (run.dataset) {
      DatasetContext data_context{static_cast<std::uint64_t>(run.seed),
                                  spec_.source_path.parent_path()};
      data = plugins_.make_dataset(*run.dataset, run.dataset_params, data_context);
      context.data = data->info();
    }
    auto model = plugins_.make_model(run.model, run.model_params, context);
    auto optimizer = plugins_.make_optimizer(run.optimizer, run.optimizer_params);
    optimizer->attach(model->parameters());
    if (const auto* surface = model->surface()) {
      db.put_surface(experiment_id_, sample_surface(*surface, run.problem_key, run.model));
    }
    Recorder recorder(db, run_id);
    auto result =
        train(*model, *optimizer, data.get(), run.train, static_cast<std::uint64_t>(run.seed),
              recorder, [&](const std::string& line) { say(prefix(i) + ": " + line); });
    recorder.flush();
    return result;
  }

  const experiment::ExperimentSpec& spec_;
  const std::vector<experiment::RunSpec>& runs_;
  const registry::Registry& plugins_;
  const Options& options_;
  const std::int64_t experiment_id_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> skipped_{0}, done_{0}, diverged_{0}, failed_{0};
  std::mutex log_mutex_;
};

}  // namespace

SweepResult run_sweep(const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs,
                      const registry::Registry& plugins, const Options& options) {
  std::int64_t experiment_id;
  {
    auto db = store::Store::open(options.db);
    experiment_id =
        db.upsert_experiment(spec.name, spec.title, spec.yaml_text, spec.source_path.string());
  }
  Sweep sweep(spec, runs, plugins, options, experiment_id);
  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(runs.size())));
  if (jobs == 1) {
    sweep.worker();
  } else {
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
  return sweep.result();
}

}  // namespace optbench::run
