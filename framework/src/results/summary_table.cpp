#include "results/summary_table.hpp"

#include <algorithm>

namespace optbench::results {

namespace {

Cell count(std::size_t n) {
  return static_cast<std::int64_t>(n);
}

void add_stat(std::vector<Cell>& row, const Stat& s) {
  if (s.n == 0) {
    row.insert(row.end(), {Cell{}, Cell{}});
  } else {
    row.insert(row.end(), {s.mean, s.sd});
  }
}

bool is_best(const Summary& summary, const ConfigSummary& c) {
  return std::any_of(summary.best_lrs.begin(), summary.best_lrs.end(),
                     [&](const BestLr& b) { return b.problem == c.problem && b.group == c.group; });
}

}  // namespace

Table config_table(const Summary& summary) {
  Table t;
  t.header = {"problem",
              "label",
              "optimizer",
              "lr",
              "seeds",
              "diverged",
              "failed",
              "unfinished",
              "train_loss_mean",
              "train_loss_sd",
              "test_loss_mean",
              "test_loss_sd",
              "accuracy_mean",
              "accuracy_sd",
              "reached_target",
              "target_step_mean",
              "target_step_sd",
              "target_seconds_mean",
              "target_seconds_sd",
              "score",
              "rank",
              "best_lr"};
  for (const ConfigSummary& c : summary.configs) {
    std::vector<Cell> row{c.problem,      c.label,           c.optimizer,     c.lr,
                          count(c.seeds), count(c.diverged), count(c.failed), count(c.unfinished)};
    add_stat(row, c.train_loss);
    add_stat(row, c.test_loss);
    add_stat(row, c.accuracy);
    if (summary.target) {
      row.push_back(count(c.reached));
      add_stat(row, c.target_step);
      add_stat(row, c.target_seconds);
    } else {
      row.insert(row.end(), 5, Cell{});
    }
    row.insert(row.end(), {c.score, static_cast<std::int64_t>(c.rank),
                           is_best(summary, c) ? Cell{std::string("yes")} : Cell{}});
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table best_lr_table(const Summary& summary) {
  Table t;
  t.header = {"problem", "optimizer", "best_lr", "label", "score"};
  for (const BestLr& b : summary.best_lrs)
    t.rows.push_back({b.problem, b.optimizer, b.lr, b.label, b.score});
  return t;
}

}  // namespace optbench::results
