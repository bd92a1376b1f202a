// The answers a researcher reads off a finished experiment: per optimizer
// configuration the final losses and accuracy over seeds, the time to reach
// a target loss, its rank on its problem and the best learning rate of each
// optimizer. Pure functions over store records, and one that reads them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/reader.hpp"

namespace optbench::results {

/// Mean and sample standard deviation (n - 1). mean is NaN without values,
/// sd is NaN with fewer than two.
struct Stat {
  double mean = 0.0;
  double sd = 0.0;
  std::size_t n = 0;
};
Stat mean_sd(std::span<const double> values);

/// Where a run's loss first reached the target.
struct TargetHit {
  std::int64_t step = 0;
  double seconds = 0.0;
};

/// The first point whose value is at or below `target`; none if the run
/// never got there (or stopped being finite first).
std::optional<TargetHit> first_hit(std::span<const store::MetricPoint> loss, double target);

/// What one run contributes to the summary.
struct RunOutcome {
  store::RunRecord run;
  /// The last epoch's mean train loss when the run trained in epochs (the
  /// last batch alone is noisy), otherwise the run's final loss.
  double train_loss = 0.0;
  std::optional<double> test_loss;
  std::optional<double> accuracy;  ///< fraction in [0, 1]
  std::optional<TargetHit> hit;
};

/// One run's outcome from its stored series: `epoch_loss` (train),
/// `test_loss` and `accuracy` (test, per epoch) and the per-step train
/// `loss`, which decides the time to `target`.
RunOutcome outcome(const store::RunRecord& run, std::span<const store::MetricPoint> epoch_loss,
                   std::span<const store::MetricPoint> test_loss,
                   std::span<const store::MetricPoint> accuracy,
                   std::span<const store::MetricPoint> step_loss, std::optional<double> target);

/// One optimizer configuration (grid cell without the seed) on one problem.
/// Statistics are over the seeds that finished (`done`); diverged and
/// failed seeds are counted, never averaged.
struct ConfigSummary {
  std::string problem;
  std::string group;
  std::string label;
  std::string optimizer;
  double lr = 0.0;  ///< NaN when the optimizer has none
  std::size_t seeds = 0;
  std::size_t diverged = 0;
  std::size_t failed = 0;
  std::size_t unfinished = 0;  ///< pending, running or interrupted
  Stat train_loss, test_loss, accuracy;
  std::size_t reached = 0;           ///< seeds that reached the target loss
  Stat target_step, target_seconds;  ///< over the seeds that reached it
  /// What the rank orders by: the mean final test loss where every
  /// configuration of the problem has one, else the mean final train loss.
  /// +inf when any seed diverged or failed, or none finished: such a
  /// configuration is never best.
  double score = 0.0;
  int rank = 0;  ///< 1 = best on its problem; equal scores share a rank
  /// Step count to the target every seed reached (mean), +inf otherwise;
  /// what the performance profile compares.
  double steps_to_target = 0.0;
};

/// The best learning rate of one optimizer plugin on one problem: the lr of
/// its configuration with the lowest finite score.
struct BestLr {
  std::string problem;
  std::string optimizer;
  std::string group;  ///< the configuration's group_key
  std::string label;
  double lr = 0.0;
  double score = 0.0;
};

struct Summary {
  std::optional<double> target;
  std::vector<ConfigSummary> configs;  ///< by problem, then in first-run order
  std::vector<BestLr> best_lrs;        ///< by problem, then optimizer
  /// Per problem (in `configs` order): "test loss" or "train loss".
  std::vector<std::pair<std::string, std::string>> ranked_by;
};

/// Groups the outcomes into configurations, ranks them per problem and
/// finds each optimizer's best lr.
Summary summarize(const std::vector<RunOutcome>& runs, std::optional<double> target);

/// Reads every run of `experiment` and its series from the store and
/// summarizes them.
Summary summarize(const store::Reader& db, const std::string& experiment,
                  std::optional<double> target, store::Scope scope = store::Scope::Current);

}  // namespace optbench::results
