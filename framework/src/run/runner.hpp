// Runs the grid of an experiment: claims each run in the store (skipping
// those already finished), builds its dataset, model and optimizer from the
// plugins, trains it and records the outcome. Runs are independent and go on
// `jobs` threads, each single-threaded with its own store connection.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"

namespace optbench::run {

struct Options {
  std::filesystem::path db;
  int jobs = 1;
  std::ostream* log = nullptr;  ///< progress lines; null for silence
};

struct SweepResult {
  std::size_t total = 0;
  std::size_t skipped = 0;  ///< finished in an earlier invocation
  std::size_t done = 0;
  std::size_t diverged = 0;
  std::size_t failed = 0;
};

/// Records the experiment and trains every run not already finished. A run
/// that fails (plugin error, bad data) is marked failed with its message and
/// the sweep goes on. Throws store::StoreError when the DB cannot be used.
SweepResult run_sweep(const experiment::ExperimentSpec& spec,
                      const std::vector<experiment::RunSpec>& runs,
                      const registry::Registry& plugins, const Options& options);

}  // namespace optbench::run
