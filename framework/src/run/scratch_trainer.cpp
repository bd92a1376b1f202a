#include "run/scratch_trainer.hpp"

#include <unistd.h>

#include <cmath>
#include <stdexcept>

#include "run/scheduler.hpp"
#include "run/stop.hpp"
#include "run/sweep_log.hpp"

namespace optbench::run {

namespace {

std::string this_host() {
  char name[256] = {};
  gethostname(name, sizeof name - 1);
  return name;
}

// Sends `chunks` in messages of whole chunks, each closed once it holds
// kBatchPoints points or more.
void send_history(std::vector<store::HistoryChunk> chunks,
                  const std::function<void(const messages::Message&)>& send) {
  messages::History batch;
  std::int64_t points = 0;
  for (auto& chunk : chunks) {
    points += chunk.count;
    batch.chunks.push_back(std::move(chunk));
    if (points >= static_cast<std::int64_t>(messages::kBatchPoints)) {
      send(batch);
      batch.chunks.clear();
      points = 0;
    }
  }
  if (!batch.chunks.empty()) send(batch);
}

}  // namespace

ScratchTrainer::ScratchTrainer(const experiment::ExperimentSpec& spec,
                               const registry::Registry& plugins, const Options& options, int rank)
    : spec_(spec),
      plugins_(plugins),
      options_(options),
      relay_(options.log),
      rank_(rank),
      host_(this_host()) {
  options_.db = folder_.path() / "scratch.db";
  // One run at a time, always trained afresh. The process that owns the
  // results reports each outcome in the sweep's own numbering; this one only
  // relays the lines from inside a run (train()).
  options_.jobs = 1;
  options_.retry.clear();
  options_.over_mpi = false;
  db_ = store::open(options_.db);
  experiment_id_ =
      db_->upsert_experiment(spec.name, spec.title, spec.yaml_text, spec.source_path.string());
}

void ScratchTrainer::train(const experiment::RunSpec& run, const std::string& prefix,
                           const std::function<void(const messages::Message&)>& send) {
  const std::vector<experiment::RunSpec> one{run};
  SweepLog log(one, relay_);
  log.relay_as(prefix + " (rank " + std::to_string(rank_) + ")");
  const auto scheduler = make_scheduler(options_, one);
  scheduler->run({spec_, one, plugins_, options_, experiment_id_, 1, log});

  std::optional<store::RunRecord> record;
  for (const auto& r : db_->runs(spec_.name, store::Scope::All)) {
    if (r.config_hash == run.config_hash) record = r;
  }
  messages::Finish finish;
  finish.host = host_;
  finish.rank = rank_;
  if (!record || record->status == store::RunStatus::Running ||
      record->status == store::RunStatus::Pending) {
    // Not started (a stop arrived first) or left unfinished by a storage
    // failure of the scratch file: no result, to be trained again.
    finish.result.status = store::RunStatus::Interrupted;
    finish.result.error = stop_requested()
                              ? "interrupted by " + describe_signal(stop_signal()) +
                                    " before it started on rank " + std::to_string(rank_)
                              : "rank " + std::to_string(rank_) + " on " + host_ +
                                    " could not store the run in its scratch file " +
                                    options_.db.string();
    finish.result.final_loss = std::nan("");
    if (record) db_->delete_runs(spec_.name, std::nullopt, record->id);
    send(finish);
    return;
  }
  if (!surfaces_sent_.contains(run.problem_key)) {
    if (auto surface = db_->surface(spec_.name, run.problem_key)) {
      send(messages::SurfaceSample{std::move(*surface)});
      surfaces_sent_.insert(run.problem_key);
    }
  }
  send_history(db_->history_chunks(record->id), send);
  finish.result = {record->status,        record->error,      record->wall_seconds,
                   record->steps,         record->final_loss, record->final_test_loss,
                   record->final_accuracy};
  // A record reads a missing final loss as NaN; only a diverged run has a
  // NaN of its own (a failed one that never computed a loss has none).
  if (std::isnan(record->final_loss) && record->status != store::RunStatus::Diverged)
    finish.result.final_loss.reset();
  db_->delete_runs(spec_.name, std::nullopt, record->id);
  send(finish);
}

}  // namespace optbench::run
