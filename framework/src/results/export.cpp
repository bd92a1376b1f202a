#include "results/export.hpp"

namespace optbench::results {

Table runs_table(const std::vector<store::RunRecord>& runs) {
  Table t;
  t.header = {"run_id",  "experiment",   "label",      "optimizer",       "model",
              "dataset", "problem",      "group",      "config_hash",     "seed",
              "lr",      "status",       "error",      "started",         "finished",
              "steps",   "wall_seconds", "final_loss", "final_test_loss", "final_accuracy",
              "in_grid", "attempts",     "host",       "hyperparams",     "provenance"};
  const auto optional = [](const std::optional<double>& x) -> Cell {
    if (x) return *x;
    return std::monostate{};
  };
  for (const store::RunRecord& r : runs) {
    t.rows.push_back({r.id,
                      r.experiment,
                      r.label,
                      r.optimizer,
                      r.model,
                      r.dataset,
                      r.problem_key,
                      r.group_key,
                      r.config_hash,
                      r.seed,
                      r.lr,
                      to_string(r.status),
                      r.error,
                      r.started,
                      r.finished,
                      r.steps,
                      r.wall_seconds,
                      r.final_loss,
                      optional(r.final_test_loss),
                      optional(r.final_accuracy),
                      std::int64_t{r.in_grid ? 1 : 0},
                      r.attempts,
                      r.host,
                      r.hyperparams,
                      r.provenance});
  }
  return t;
}

Table metrics_table(const store::Reader& db, const std::vector<store::RunRecord>& runs) {
  Table t;
  t.header = {"run_id", "experiment", "label", "optimizer", "problem", "seed",        "lr",
              "split",  "name",       "step",  "epoch",     "value",   "wall_seconds"};
  for (const store::RunRecord& r : runs) {
    for (const store::MetricPoint& p : db.all_metrics(r.id)) {
      t.rows.push_back({r.id, r.experiment, r.label, r.optimizer, r.problem_key, r.seed, r.lr,
                        p.split, p.name, p.step, p.epoch, p.value, p.wall_seconds});
    }
  }
  return t;
}

}  // namespace optbench::results
