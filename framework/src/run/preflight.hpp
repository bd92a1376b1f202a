// The checks before the first run: every model and dataset configuration of
// the grid is built once, with its pairing, so that a bad setting, a
// missing or malformed data file, or a model that cannot take the data is
// an error at its line in the experiment file (exit 2, nothing stored)
// instead of a failure of every run of the grid.
#pragma once

#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"

namespace optbench::run {

/// Builds each distinct dataset configuration, then each distinct model
/// configuration against each dataset it is paired with, exactly as a run
/// would (first seed, one thread). Throws experiment::SpecError (or
/// SpecErrors, with every problem found) located at the model's or
/// dataset's entry.
void check_before_training(const experiment::ExperimentSpec& spec,
                           const std::vector<experiment::RunSpec>& runs,
                           const registry::Registry& plugins);

}  // namespace optbench::run
