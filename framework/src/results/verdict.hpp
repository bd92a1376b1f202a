// Verdicts: per problem, each optimizer's chosen configuration, its result
// over seeds with a 95% bootstrap interval, the probability that it beats
// each other optimizer, and one line saying who wins, by how much and how
// sure that is. Pure functions over per-run values, and one that reads them
// from the store.
//
// A configuration is chosen per optimizer plugin on the validation split
// when the runs have one (accuracy for classification, else loss), else on
// the final train loss; never on the test split, which is reported for the
// chosen configuration only. A configuration with a diverged or failed
// seed is never chosen; pruned and unfinished runs are not results.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "results/table.hpp"
#include "results/verdict_stats.hpp"
#include "store/reader.hpp"

namespace optbench::results {

/// What one run contributes: its identity, status and final values.
struct RunValues {
  std::string problem;
  std::string optimizer;
  std::string group;  ///< the configuration (grid cell without the seed)
  std::string label;
  std::int64_t seed = 0;
  store::RunStatus status = store::RunStatus::Done;
  double train_loss = 0.0;  ///< last epoch's mean loss, or the final loss
  std::optional<double> validation_loss, validation_accuracy;
  std::optional<double> test_loss, test_accuracy;
};

/// A measure and which way is better.
struct Measure {
  std::string name;  ///< "validation accuracy", "test loss", "train loss", ...
  bool higher_is_better = false;
};

/// One optimizer's chosen configuration on one problem.
struct OptimizerResult {
  std::string optimizer;
  std::string group;
  std::string label;
  std::size_t configurations = 0;  ///< configurations it had on this problem
  double selection = 0.0;          ///< the chosen one's mean of the choice measure
  std::vector<double> values;      ///< the reported measure, one per finished seed
  double mean = 0.0;
  Interval interval;  ///< 95% bootstrap interval of the mean
};

struct ProblemVerdict {
  std::string problem;
  Measure chosen_on;
  Measure reported;
  std::vector<OptimizerResult> results;  ///< best reported mean first
  /// Optimizers none of whose configurations finished every seed.
  std::vector<std::string> without_result;
  /// win[i][j]: P(results[i] beats results[j]) across their seeds.
  std::vector<std::vector<double>> win;
  std::string line;  ///< the one-line verdict
};

std::vector<ProblemVerdict> verdicts(const std::vector<RunValues>& runs);

/// Reads every run of `experiment` and its final values from the store.
std::vector<ProblemVerdict> verdicts(const store::Reader& db, const std::string& experiment);

/// One row per problem and optimizer: chosen configuration, how it was
/// chosen, seeds, mean and interval of the reported measure.
Table verdict_table(const std::vector<ProblemVerdict>& verdicts);
/// One row per problem and ordered pair of optimizers: P(row beats column).
Table win_table(const std::vector<ProblemVerdict>& verdicts);

}  // namespace optbench::results
