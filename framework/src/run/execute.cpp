#include "run/execute.hpp"

#include <chrono>
#include <cmath>

#include "experiment/grid.hpp"
#include "experiment/identity.hpp"
#include "run/recorder.hpp"

namespace optbench::run {

namespace {

TrainResult train_claimed(store::Writer& db, const RunContext& context,
                          const experiment::RunSpec& run, std::int64_t run_id,
                          const EpochCallback& on_epoch) {
  std::shared_ptr<Dataset> data;
  ModelContext model_context;
  model_context.seed = static_cast<std::uint64_t>(run.seed);
  model_context.max_batch = static_cast<std::size_t>(run.train.batch_size);
  model_context.threads = context.threads;
  if (run.dataset) {
    DatasetContext data_context{static_cast<std::uint64_t>(run.seed),
                                context.spec.source_path.parent_path()};
    // The settings were checked when the grid was expanded; what fails here
    // is the files: absent, unreadable or damaged, all of which a user can
    // repair before the next invocation.
    try {
      data = context.plugins.make_dataset(*run.dataset, run.dataset_params, data_context);
      model_context.data = data->info();
    } catch (const std::exception& e) {
      throw EnvironmentFailure(std::string("data unavailable: ") + e.what());
    }
  }
  auto model = context.plugins.make_model(run.model, run.model_params, model_context);
  auto optimizer = context.plugins.make_optimizer(run.optimizer, run.optimizer_params);
  optimizer->attach(model->parameters());
  const auto* surface = model->surface();
  if (surface &&
      (!context.surfaces || context.surfaces->first(context.experiment_id, run.problem_key))) {
    db.put_surface(context.experiment_id, sample_surface(*surface, run.problem_key, run.model));
  }
  ScheduleUse schedule;
  std::shared_ptr<Schedule> schedule_object;
  if (run.schedule) {
    schedule_object = context.plugins.make_schedule(*run.schedule, run.schedule_params);
    schedule = {schedule_object.get(), run.schedule_per_epoch,
                experiment::schedule_base(run.optimizer_params)};
  }
  Recorder recorder(db, run_id);
  auto result = train(*model, *optimizer, data.get(), run.train,
                      static_cast<std::uint64_t>(run.seed), recorder, on_epoch, schedule,
                      run.validation, Progress{context.progress_every, context.on_progress});
  recorder.flush();
  return result;
}

}  // namespace

store::RunRecord claim_record(const experiment::ExperimentSpec& spec,
                              const experiment::RunSpec& run, int threads) {
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
  // The identity without its braces, after the host's facts.
  r.provenance.assign(1, '{');
  r.provenance += experiment::host_provenance_members(threads);
  r.provenance += ',';
  r.provenance.append(run.identity_json, 1);
  return r;
}

Outcome execute_run(store::Writer& db, const RunContext& context, const experiment::RunSpec& run,
                    std::int64_t run_id, const EpochCallback& on_epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  Outcome outcome;
  // A run taken over by another process is that process's now: this
  // attempt stops and reports it, and writes nothing more.
  const auto taken_over = [&](const store::RunTakenOver& e) {
    outcome.taken_over = true;
    outcome.result.status = store::RunStatus::Interrupted;
    outcome.result.error = e.what();
    outcome.result.final_loss.reset();
    outcome.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return outcome;
  };
  try {
    outcome.result = train_claimed(db, context, run, run_id, on_epoch);
  } catch (const store::RunTakenOver& e) {
    return taken_over(e);
  } catch (const store::StoreError& e) {
    // Best effort: the store that just failed may refuse this too, and
    // then the run stays `running` under this process, which the next
    // invocation finds gone and marks interrupted.
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    try {
      db.finish_run(run_id, store::RunStatus::Interrupted,
                    std::string("storage error, to be retried: ") + e.what(), wall, 0,
                    std::nan(""));
    } catch (const store::StoreError&) {
    }
    throw;
  } catch (const EnvironmentFailure& e) {
    outcome.result.status = store::RunStatus::Interrupted;
    outcome.result.error = std::string(e.what()) + "; retried by the next run of the experiment";
    outcome.result.final_loss = std::nan("");
  } catch (const std::exception& e) {
    outcome.result.status = store::RunStatus::Failed;
    outcome.result.error = e.what();
  }
  outcome.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& r = outcome.result;
  try {
    db.finish_run(run_id, store::RunResult{r.status, r.error, outcome.wall_seconds, r.steps,
                                           r.final_loss, r.final_test_loss, r.final_accuracy});
  } catch (const store::RunTakenOver& e) {
    return taken_over(e);
  }
  return outcome;
}

}  // namespace optbench::run
