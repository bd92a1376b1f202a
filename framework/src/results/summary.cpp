#include "results/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace optbench::results {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::optional<double> last_value(std::span<const store::MetricPoint> points) {
  if (points.empty()) return std::nullopt;
  return points.back().value;
}

/// The seeds of one configuration, in run order.
struct Cell {
  std::string problem, group;
  std::vector<const RunOutcome*> runs;
};

ConfigSummary summarize_cell(const Cell& cell, std::optional<double> target) {
  const store::RunRecord& first = cell.runs.front()->run;
  ConfigSummary c;
  c.problem = cell.problem;
  c.group = cell.group;
  c.label = first.label;
  c.optimizer = first.optimizer;
  c.lr = first.lr;
  c.seeds = cell.runs.size();
  std::vector<double> train, test, accuracy, steps, seconds;
  for (const RunOutcome* r : cell.runs) {
    switch (r->run.status) {
      case store::RunStatus::Diverged:
        ++c.diverged;
        break;
      case store::RunStatus::Failed:
        ++c.failed;
        break;
      case store::RunStatus::Done:
        train.push_back(r->train_loss);
        if (r->test_loss) test.push_back(*r->test_loss);
        if (r->accuracy) accuracy.push_back(*r->accuracy);
        break;
      default:
        ++c.unfinished;
    }
    // A diverged run may cross the target on its way up or down; reaching
    // it still counts only for runs that finished.
    if (r->hit && r->run.status == store::RunStatus::Done) {
      steps.push_back(static_cast<double>(r->hit->step));
      seconds.push_back(r->hit->seconds);
    }
  }
  c.train_loss = mean_sd(train);
  c.test_loss = mean_sd(test);
  c.accuracy = mean_sd(accuracy);
  c.reached = steps.size();
  c.target_step = mean_sd(steps);
  c.target_seconds = mean_sd(seconds);
  c.steps_to_target = target && c.reached > 0 && c.reached == c.seeds ? c.target_step.mean : kInf;
  return c;
}

/// Scores and ranks the configurations of one problem, [begin, end).
std::string rank_problem(std::vector<ConfigSummary>::iterator begin,
                         std::vector<ConfigSummary>::iterator end) {
  // Test loss ranks only when every configuration that finished a seed has
  // it, so that all are compared on the same measure.
  bool by_test = true;
  for (auto c = begin; c != end; ++c) {
    if (c->train_loss.n > 0 && c->test_loss.n < c->train_loss.n) by_test = false;
  }
  for (auto c = begin; c != end; ++c) {
    const Stat& measure = by_test ? c->test_loss : c->train_loss;
    const bool never_best =
        c->diverged + c->failed > 0 || measure.n == 0 || std::isnan(measure.mean);
    c->score = never_best ? kInf : measure.mean;
  }
  for (auto c = begin; c != end; ++c) {
    c->rank = 1 + static_cast<int>(std::count_if(
                      begin, end, [&](const ConfigSummary& o) { return o.score < c->score; }));
  }
  return by_test ? "test loss" : "train loss";
}

}  // namespace

Stat mean_sd(std::span<const double> values) {
  Stat s;
  s.n = values.size();
  if (values.empty()) return {kNaN, kNaN, 0};
  double sum = 0.0;
  for (double v : values)
    sum += v;
  s.mean = sum / static_cast<double>(s.n);
  if (s.n < 2) {
    s.sd = kNaN;
    return s;
  }
  double squares = 0.0;
  for (double v : values)
    squares += (v - s.mean) * (v - s.mean);
  s.sd = std::sqrt(squares / static_cast<double>(s.n - 1));
  return s;
}

std::optional<TargetHit> first_hit(std::span<const store::MetricPoint> loss, double target) {
  for (const store::MetricPoint& p : loss) {
    if (!std::isfinite(p.value)) return std::nullopt;
    if (p.value <= target) return TargetHit{p.step, p.wall_seconds};
  }
  return std::nullopt;
}

RunOutcome outcome(const store::RunRecord& run, std::span<const store::MetricPoint> epoch_loss,
                   std::span<const store::MetricPoint> test_loss,
                   std::span<const store::MetricPoint> accuracy,
                   std::span<const store::MetricPoint> step_loss, std::optional<double> target) {
  RunOutcome o;
  o.run = run;
  o.train_loss = last_value(epoch_loss).value_or(run.final_loss);
  o.test_loss = last_value(test_loss);
  o.accuracy = last_value(accuracy);
  if (target) o.hit = first_hit(step_loss, *target);
  return o;
}

Summary summarize(const std::vector<RunOutcome>& runs, std::optional<double> target) {
  // Problems in key order, configurations in the order their first run
  // appears (the experiment file's order), as the charts draw them.
  std::map<std::string, std::vector<Cell>> by_problem;
  for (const RunOutcome& r : runs) {
    std::vector<Cell>& cells = by_problem[r.run.problem_key];
    auto it = std::find_if(cells.begin(), cells.end(),
                           [&](const Cell& c) { return c.group == r.run.group_key; });
    if (it == cells.end()) it = cells.insert(cells.end(), {r.run.problem_key, r.run.group_key, {}});
    it->runs.push_back(&r);
  }

  Summary out;
  out.target = target;
  for (const auto& [problem, cells] : by_problem) {
    const auto begin = static_cast<std::ptrdiff_t>(out.configs.size());
    for (const Cell& cell : cells)
      out.configs.push_back(summarize_cell(cell, target));
    out.ranked_by.emplace_back(problem,
                               rank_problem(out.configs.begin() + begin, out.configs.end()));

    std::map<std::string, const ConfigSummary*> best;  // by optimizer
    for (auto c = out.configs.begin() + begin; c != out.configs.end(); ++c) {
      if (!std::isfinite(c->score) || std::isnan(c->lr)) continue;
      const ConfigSummary*& b = best[c->optimizer];
      if (b == nullptr || c->score < b->score) b = &*c;
    }
    for (const auto& [optimizer, c] : best)
      out.best_lrs.push_back({problem, optimizer, c->group, c->label, c->lr, c->score});
  }
  return out;
}

Summary summarize(const store::Reader& db, const std::string& experiment,
                  std::optional<double> target, store::Scope scope) {
  std::vector<RunOutcome> outcomes;
  for (const store::RunRecord& run : db.runs(experiment, scope)) {
    outcomes.push_back(
        outcome(run, db.metrics(run.id, "epoch_loss"), db.metrics(run.id, "loss", "test"),
                db.metrics(run.id, "accuracy", "test"),
                target ? db.metrics(run.id, "loss") : std::vector<store::MetricPoint>{}, target));
  }
  return summarize(outcomes, target);
}

}  // namespace optbench::results
