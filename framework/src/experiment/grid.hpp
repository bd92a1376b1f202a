// Expands an ExperimentSpec into its runs: for every problem (model x
// dataset configuration), every optimizer configuration, every seed.
#pragma once

#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"

namespace optbench::experiment {

/// Number of runs the grid expands to, without building them.
std::size_t count_runs(const ExperimentSpec& spec);

/// Builds every run with resolved hyperparameters, labels and hashes.
/// Constructs each optimizer configuration once so that rules only the
/// plugin knows (nesterov needs momentum) fail here, before any run starts.
/// Throws SpecError.
std::vector<RunSpec> expand(const ExperimentSpec& spec, const registry::Registry& plugins);

/// Successive halving's rungs for a run of `epochs` epochs: the epochs each
/// rung trains, ascending. The last is `epochs`; each one below is 1/eta of
/// the next (rounded down), down to search.min_epochs (10 epochs, eta 3,
/// min 1: 1, 3, 10).
std::vector<std::int64_t> rung_epochs(std::int64_t epochs, const SearchSpec& search);

/// The lr and momentum a schedule starts from: the optimizer's `lr`, and its
/// `momentum` or Adam's beta1 (NaN where it has none).
Rates schedule_base(const ParamMap& optimizer_params);

/// 64-bit FNV-1a of the text, as 16 hex digits: stable across builds and
/// machines, which std::hash is not.
std::string stable_hash(const std::string& text);

}  // namespace optbench::experiment
