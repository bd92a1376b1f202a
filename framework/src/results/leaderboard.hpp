// A leaderboard over a suite of problems, each its own experiment with its
// own target loss: per problem and optimizer the final test metric over
// seeds and the steps to the target, and the performance profile across
// all problems (DeepOBS, AlgoPerf).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "results/profile.hpp"
#include "results/summary.hpp"
#include "results/table.hpp"
#include "store/reader.hpp"

namespace optbench::results {

/// One optimizer on one problem: its best configuration there (rank 1 of
/// its own configurations), so a suite that sweeps lr shows the tuned one.
struct LeaderboardEntry {
  std::string experiment;
  std::optional<double> target;
  ConfigSummary config;
  /// "accuracy" for classifiers, else "test loss", else "train loss" for
  /// data without a test split.
  std::string metric;
  Stat value;
};

struct Leaderboard {
  std::vector<LeaderboardEntry> entries;  ///< by experiment, then by rank
  Profile profile;                        ///< problems named by experiment
};

/// The taus at which the profile table reads each curve.
const std::vector<double>& profile_taus();

/// Summarizes each experiment against its own target (or `target` for all
/// when given) and ranks the optimizers across them.
Leaderboard leaderboard(const store::Reader& db, const std::vector<store::ExperimentRecord>& suite,
                        std::optional<double> target, store::Scope scope = store::Scope::Current);

/// One row per problem and optimizer.
Table leaderboard_table(const Leaderboard& board);
/// One row per optimizer: the fraction of problems it reached the target
/// on within each tau of the fastest optimizer there ("within_1x" is the
/// share of problems where it was fastest; "reached" at any tau).
Table profile_table(const Leaderboard& board);

}  // namespace optbench::results
