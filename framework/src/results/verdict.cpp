#include "results/verdict.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

namespace optbench::results {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using Getter = std::optional<double> (*)(const RunValues&);

struct MeasureOf {
  Measure measure;
  Getter get;
};

// The measures in order of preference, the first that every finished run
// of the problem has being used: the accuracy on `split`, its loss, and
// last the train loss, which every run has.
std::vector<MeasureOf> in_preference(const std::string& split, Getter accuracy, Getter loss) {
  return {{{split + " accuracy", true}, accuracy},
          {{split + " loss", false}, loss},
          {{"train loss", false},
           [](const RunValues& r) { return std::optional<double>(r.train_loss); }}};
}

// The configurations are chosen on the validation split...
const std::vector<MeasureOf>& choice_measures() {
  static const auto all = in_preference(
      "validation", [](const RunValues& r) { return r.validation_accuracy; },
      [](const RunValues& r) { return r.validation_loss; });
  return all;
}

// ... and reported on the test split.
const std::vector<MeasureOf>& reported_measures() {
  static const auto all = in_preference(
      "test", [](const RunValues& r) { return r.test_accuracy; },
      [](const RunValues& r) { return r.test_loss; });
  return all;
}

const MeasureOf& pick(const std::vector<MeasureOf>& options,
                      const std::vector<const RunValues*>& finished) {
  for (const auto& m : options) {
    if (std::all_of(finished.begin(), finished.end(), [&](const RunValues* r) {
          const auto v = m.get(*r);
          return v && std::isfinite(*v);
        })) {
      return m;
    }
  }
  return options.back();
}

bool better(double a, double b, bool higher_is_better) {
  return higher_is_better ? a > b : a < b;
}

double mean(const std::vector<double>& values) {
  double sum = 0.0;
  for (double v : values)
    sum += v;
  return values.empty() ? kNaN : sum / static_cast<double>(values.size());
}

// "88.12%" for accuracies, 4 significant digits for losses.
std::string format(double value, const Measure& m) {
  char buf[48];
  if (m.higher_is_better) {
    std::snprintf(buf, sizeof buf, "%.2f%%", 100.0 * value);
  } else {
    std::snprintf(buf, sizeof buf, "%.4g", value);
  }
  return buf;
}

std::string format_interval(const Interval& i, const Measure& m) {
  char buf[64];
  if (m.higher_is_better) {
    std::snprintf(buf, sizeof buf, "[%.2f, %.2f]", 100.0 * i.lo, 100.0 * i.hi);
  } else {
    std::snprintf(buf, sizeof buf, "[%.4g, %.4g]", i.lo, i.hi);
  }
  return buf;
}

std::string verdict_line(const ProblemVerdict& v) {
  if (v.results.empty()) {
    return v.problem + ": no optimizer finished every seed of any configuration";
  }
  const auto& best = v.results[0];
  const auto& m = v.reported;
  std::string line = v.problem + ": " + best.optimizer;
  if (v.results.size() == 1) {
    return line + " is the only optimizer with a finished configuration, " + m.name + " " +
           format(best.mean, m) + " " + format_interval(best.interval, m);
  }
  const auto& second = v.results[1];
  line += " wins on " + m.name + " (chosen on " + v.chosen_on.name + "): " + format(best.mean, m) +
          " " + format_interval(best.interval, m) + " against " + second.optimizer + "'s " +
          format(second.mean, m) + " " + format_interval(second.interval, m) + ", ";
  char buf[96];
  if (m.higher_is_better) {
    std::snprintf(buf, sizeof buf, "%.2f points better", 100.0 * (best.mean - second.mean));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g lower", second.mean - best.mean);
  }
  line += buf;
  std::snprintf(buf, sizeof buf, "; P(%s beats %s) = %.2f over %zu x %zu seed pairs",
                best.optimizer.c_str(), second.optimizer.c_str(), v.win[0][1], best.values.size(),
                second.values.size());
  line += buf;
  const bool apart = m.higher_is_better ? best.interval.lo > second.interval.hi
                                        : best.interval.hi < second.interval.lo;
  line += apart ? "; the intervals do not overlap" : "; the intervals overlap";
  return line;
}

ProblemVerdict verdict_of(const std::string& problem, const std::vector<const RunValues*>& runs) {
  ProblemVerdict v;
  v.problem = problem;
  std::vector<const RunValues*> finished;
  for (const RunValues* r : runs) {
    if (r->status == store::RunStatus::Done) finished.push_back(r);
  }
  const MeasureOf& choice = pick(choice_measures(), finished);
  const MeasureOf& reported = pick(reported_measures(), finished);
  v.chosen_on = choice.measure;
  v.reported = reported.measure;

  // Configurations per optimizer, in first-run order.
  std::map<std::string, std::vector<std::string>> groups;  // optimizer -> groups
  std::vector<std::string> optimizers;
  std::map<std::string, std::vector<const RunValues*>> by_group;
  for (const RunValues* r : runs) {
    if (!groups.contains(r->optimizer)) optimizers.push_back(r->optimizer);
    auto& list = groups[r->optimizer];
    if (std::find(list.begin(), list.end(), r->group) == list.end()) list.push_back(r->group);
    by_group[r->group].push_back(r);
  }
  for (const auto& optimizer : optimizers) {
    const OptimizerResult* chosen = nullptr;
    OptimizerResult candidate, best;
    for (const auto& group : groups[optimizer]) {
      const auto& seeds = by_group[group];
      // Only a configuration whose every seed finished is a result: a
      // diverged or failed seed rules it out, and pruned or unfinished
      // runs are not results at all.
      std::vector<double> choice_values, reported_values;
      bool clean = true;
      for (const RunValues* r : seeds) {
        if (r->status == store::RunStatus::Diverged || r->status == store::RunStatus::Failed) {
          clean = false;
        } else if (r->status == store::RunStatus::Done) {
          const auto c = choice.get(*r);
          const auto t = reported.get(*r);
          if (!c || !t || !std::isfinite(*c) || !std::isfinite(*t)) {
            clean = false;
            continue;
          }
          choice_values.push_back(*c);
          reported_values.push_back(*t);
        }
      }
      const bool all_finished = std::all_of(seeds.begin(), seeds.end(), [](const RunValues* r) {
        return r->status == store::RunStatus::Done;
      });
      if (!clean || !all_finished || choice_values.empty()) continue;
      candidate = {
          optimizer,           group,          seeds.front()->label, groups[optimizer].size(),
          mean(choice_values), reported_values};
      if (!chosen || better(candidate.selection, best.selection, choice.measure.higher_is_better)) {
        best = candidate;
        chosen = &best;
      }
    }
    if (!chosen) {
      v.without_result.push_back(optimizer);
      continue;
    }
    best.mean = mean(best.values);
    best.interval = bootstrap_mean_interval(best.values);
    v.results.push_back(best);
  }
  std::stable_sort(v.results.begin(), v.results.end(),
                   [&](const OptimizerResult& a, const OptimizerResult& b) {
                     return better(a.mean, b.mean, reported.measure.higher_is_better);
                   });
  v.win.assign(v.results.size(), std::vector<double>(v.results.size(), kNaN));
  for (std::size_t i = 0; i < v.results.size(); ++i) {
    for (std::size_t j = 0; j < v.results.size(); ++j) {
      if (i != j) {
        v.win[i][j] = win_probability(v.results[i].values, v.results[j].values,
                                      reported.measure.higher_is_better);
      }
    }
  }
  v.line = verdict_line(v);
  return v;
}

std::optional<double> last(const std::vector<store::MetricPoint>& points) {
  if (points.empty()) return std::nullopt;
  return points.back().value;
}

}  // namespace

std::vector<ProblemVerdict> verdicts(const std::vector<RunValues>& runs) {
  std::map<std::string, std::vector<const RunValues*>> by_problem;
  for (const RunValues& r : runs)
    by_problem[r.problem].push_back(&r);
  std::vector<ProblemVerdict> out;
  for (const auto& [problem, list] : by_problem)
    out.push_back(verdict_of(problem, list));
  return out;
}

std::vector<ProblemVerdict> verdicts(const store::Reader& db, const std::string& experiment) {
  std::vector<RunValues> runs;
  for (const store::RunRecord& run : db.runs(experiment)) {
    RunValues r;
    r.problem = run.problem_key;
    r.optimizer = run.optimizer;
    r.group = run.group_key;
    r.label = run.label;
    r.seed = run.seed;
    r.status = run.status;
    r.train_loss = last(db.metrics(run.id, "epoch_loss")).value_or(run.final_loss);
    r.validation_loss = last(db.metrics(run.id, "loss", "validation"));
    r.validation_accuracy = last(db.metrics(run.id, "accuracy", "validation"));
    r.test_loss = last(db.metrics(run.id, "loss", "test"));
    r.test_accuracy = last(db.metrics(run.id, "accuracy", "test"));
    runs.push_back(std::move(r));
  }
  return verdicts(runs);
}

Table verdict_table(const std::vector<ProblemVerdict>& verdicts) {
  Table t;
  t.header = {"problem", "optimizer", "chosen", "configurations", "chosen_on", "selection",
              "measure", "seeds",     "mean",   "ci95_lo",        "ci95_hi"};
  for (const auto& v : verdicts) {
    for (const auto& r : v.results) {
      t.rows.push_back({v.problem, r.optimizer, r.label,
                        static_cast<std::int64_t>(r.configurations), v.chosen_on.name, r.selection,
                        v.reported.name, static_cast<std::int64_t>(r.values.size()), r.mean,
                        r.interval.lo, r.interval.hi});
    }
    for (const auto& optimizer : v.without_result) {
      t.rows.push_back({v.problem, optimizer, std::string("(none finished)"), Cell{},
                        v.chosen_on.name, Cell{}, v.reported.name, std::int64_t{0}, Cell{}, Cell{},
                        Cell{}});
    }
  }
  return t;
}

Table win_table(const std::vector<ProblemVerdict>& verdicts) {
  Table t;
  t.header = {"problem", "optimizer", "versus", "p_beats"};
  for (const auto& v : verdicts) {
    for (std::size_t i = 0; i < v.results.size(); ++i) {
      for (std::size_t j = 0; j < v.results.size(); ++j) {
        if (i != j) {
          t.rows.push_back(
              {v.problem, v.results[i].optimizer, v.results[j].optimizer, v.win[i][j]});
        }
      }
    }
  }
  return t;
}

}  // namespace optbench::results
