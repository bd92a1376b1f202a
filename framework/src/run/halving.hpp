// Successive halving over the runs a halving search expands to: rung by
// rung, the surviving configurations train (each seed one run, from the
// start, to the rung's epochs), and the best 1/eta of each optimizer entry
// on each problem, by the validation measure, go on to the next rung. Every
// run below the last rung is then stored `pruned`, with its history: a
// longer run of the same configuration exists (promoted) or none does
// (stopped). Runs reproduce their history bit for bit, so a promoted
// configuration's longer run repeats its shorter one exactly.
#pragma once

#include <string>
#include <vector>

#include "run/runner.hpp"

namespace optbench::run {

/// What one configuration scored at one rung.
struct TrialScore {
  std::string problem;
  std::string trial;
  double score = 0.0;  ///< mean over seeds, oriented so that lower is better
};

/// The trials that go on: per (problem, optimizer entry), the best
/// max(1, floor(n / eta)) of the n scored, lower score first, ties by trial
/// order. A trial's entry is the part of its name before " #".
std::vector<std::pair<std::string, std::string>> promote(const std::vector<TrialScore>& scores,
                                                         std::int64_t eta);

/// Runs a halving search's runs (experiment::expand of a spec whose search
/// is halving) rung by rung, as run_sweep runs a grid, and marks the runs
/// below the last rung `pruned`. A rerun finds every run stored and makes
/// the same decisions from the stored values, so it adds none.
SweepResult run_halving(const experiment::ExperimentSpec& spec,
                        const std::vector<experiment::RunSpec>& runs,
                        const registry::Registry& plugins, const Options& options);

}  // namespace optbench::run
