#include "results/leaderboard.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "results/target.hpp"

namespace optbench::results {

namespace {

std::string tau_name(double tau) {
  if (std::isinf(tau)) return "reached";
  std::ostringstream s;
  s << "within_" << tau << "x";
  return s.str();
}

}  // namespace

const std::vector<double>& profile_taus() {
  static const std::vector<double> taus{1.0, 1.5, 2.0,
                                        4.0, 8.0, std::numeric_limits<double>::infinity()};
  return taus;
}

Leaderboard leaderboard(const store::Reader& db, const std::vector<store::ExperimentRecord>& suite,
                        std::optional<double> target, store::Scope scope) {
  Leaderboard board;
  Summary merged;  // what the profile reads: one problem per experiment
  for (const auto& e : suite) {
    const auto t = target ? target : target_from_yaml(e.yaml);
    const Summary s = summarize(db, e.name, t, scope);
    // The best configuration of each optimizer on each problem.
    std::vector<const ConfigSummary*> best;
    for (const ConfigSummary& c : s.configs) {
      const auto same = std::find_if(best.begin(), best.end(), [&](const ConfigSummary* b) {
        return b->problem == c.problem && b->optimizer == c.optimizer;
      });
      if (same == best.end()) {
        best.push_back(&c);
      } else if (c.rank < (*same)->rank) {
        *same = &c;
      }
    }
    std::stable_sort(best.begin(), best.end(), [](const ConfigSummary* a, const ConfigSummary* b) {
      return a->problem == b->problem ? a->rank < b->rank : false;
    });
    for (const ConfigSummary* c : best) {
      LeaderboardEntry entry{e.name, t, *c, "", {}};
      if (c->accuracy.n > 0) {
        entry.metric = "accuracy";
        entry.value = c->accuracy;
      } else if (c->test_loss.n > 0) {
        entry.metric = "test loss";
        entry.value = c->test_loss;
      } else {
        entry.metric = "train loss";
        entry.value = c->train_loss;
      }
      board.entries.push_back(entry);
      ConfigSummary renamed = *c;
      // Problems of different experiments may share a name (cnn on
      // fashion-mnist); each experiment is its own problem here.
      renamed.problem = e.name + (s.ranked_by.size() > 1 ? ": " + c->problem : std::string());
      // Without a target no optimizer reaches it: the profile then counts
      // the problem as unsolved by all, as it does a target none reached.
      if (!t) renamed.steps_to_target = std::numeric_limits<double>::infinity();
      merged.configs.push_back(std::move(renamed));
    }
  }
  board.profile = performance_profile(merged);
  return board;
}

Table leaderboard_table(const Leaderboard& board) {
  Table t;
  t.header = {"experiment",     "problem",          "optimizer",      "label",  "metric",
              "metric_mean",    "metric_sd",        "seeds",          "failed", "target_loss",
              "reached_target", "target_step_mean", "target_step_sd", "rank"};
  const auto stat = [](const Stat& s, Cell& mean, Cell& sd) {
    if (s.n > 0) {
      mean = s.mean;
      sd = s.sd;
    }
  };
  for (const auto& e : board.entries) {
    const auto& c = e.config;
    Cell metric_mean, metric_sd, target, reached, step_mean, step_sd;
    stat(e.value, metric_mean, metric_sd);
    if (e.target) {
      target = *e.target;
      reached = static_cast<std::int64_t>(c.reached);
      stat(c.target_step, step_mean, step_sd);
    }
    t.rows.push_back({Cell{e.experiment}, Cell{c.problem}, Cell{c.optimizer}, Cell{c.label},
                      Cell{e.metric}, metric_mean, metric_sd,
                      Cell{static_cast<std::int64_t>(c.seeds)},
                      Cell{static_cast<std::int64_t>(c.diverged + c.failed + c.unfinished)}, target,
                      reached, step_mean, step_sd, Cell{static_cast<std::int64_t>(c.rank)}});
  }
  return t;
}

Table profile_table(const Leaderboard& board) {
  Table t;
  t.header = {"optimizer", "problems"};
  for (double tau : profile_taus())
    t.header.push_back(tau_name(tau));
  for (const auto& curve : board.profile.curves) {
    std::vector<Cell> row{curve.optimizer, static_cast<std::int64_t>(curve.ratios.size())};
    for (double tau : profile_taus()) {
      // An unreached problem's ratio is +inf, which no finite tau covers;
      // "reached" counts the finite ones.
      const auto finite = static_cast<double>(std::count_if(
          curve.ratios.begin(), curve.ratios.end(), [](double r) { return std::isfinite(r); }));
      row.push_back(
          std::isinf(tau)
              ? (curve.ratios.empty() ? 0.0 : finite / static_cast<double>(curve.ratios.size()))
              : curve.fraction_within(tau));
    }
    t.rows.push_back(std::move(row));
  }
  // Best first: the larger area under the sampled curve (the sum of its
  // fractions), as a profile plot is read.
  const auto area = [](const std::vector<Cell>& row) {
    double sum = 0.0;
    for (std::size_t k = 2; k < row.size(); ++k)
      sum += std::get<double>(row[k]);
    return sum;
  };
  std::stable_sort(t.rows.begin(), t.rows.end(),
                   [&](const auto& a, const auto& b) { return area(a) > area(b); });
  return t;
}

}  // namespace optbench::results
