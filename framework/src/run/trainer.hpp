// The training loop of one run: data-free (2-D functions, a fixed number of
// steps with the trajectory recorded) or over a dataset (epochs of
// mini-batches, test evaluation after each epoch).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "experiment/spec.hpp"
#include "optbench/dataset.hpp"
#include "optbench/model.hpp"
#include "optbench/optimizer.hpp"
#include "optbench/schedule.hpp"
#include "run/recorder.hpp"
#include "store/records.hpp"

namespace optbench::run {

struct TrainResult {
  store::RunStatus status = store::RunStatus::Done;
  std::string error;
  std::int64_t steps = 0;  ///< optimizer steps taken
  /// A 2-D run's last loss; a data run's last completed epoch's mean train
  /// loss; the loss that diverged for a diverged run; none when no loss
  /// was computed (stopped before the first step or epoch).
  std::optional<double> final_loss;
  std::optional<double> final_test_loss;  ///< after the last completed epoch
  std::optional<double> final_accuracy;   ///< fraction in [0, 1]
};

/// A run's learning-rate schedule. Before every optimizer step the trainer
/// asks it for the rates of that step (or of that epoch, with `per_epoch`)
/// and hands them to the optimizer; the lr is recorded as metric `lr`.
struct ScheduleUse {
  const Schedule* schedule = nullptr;  ///< null: the optimizer's own lr throughout
  bool per_epoch = false;
  Rates base;  ///< the optimizer's configured lr and momentum
};

/// Called after each epoch (data runs) with a one-line summary.
using EpochCallback = std::function<void(const std::string& line)>;

/// Progress inside an epoch of a data run: every `every` seconds (0: never)
/// `line` gets "epoch 2/5, step 300/938 (32%), mean loss 0.4123, 2650
/// samples/s". An epoch shorter than `every` prints none.
struct Progress {
  double every = 0.0;
  EpochCallback line;
};

/// Trains `model` with `optimizer` (already attached). `data` is null for
/// models without data. Non-finite losses or losses above
/// settings.diverge_above end the run as Diverged, with the value stored.
TrainResult train(Model& model, Optimizer& optimizer, const Dataset* data,
                  const experiment::TrainSettings& settings, std::uint64_t seed, Recorder& recorder,
                  const EpochCallback& on_epoch = {}, const ScheduleUse& schedule = {},
                  const experiment::Holdout& validation = {}, const Progress& progress = {});

/// The training split's indices [0, n) divided into the samples trained on
/// and a held-out `validation.fraction` of them (floor(n * fraction), at
/// least one), chosen by a permutation seeded with `validation.seed` only,
/// so every run of an experiment holds out the same samples. Both lists are
/// sorted. Throws std::runtime_error when either side would be empty.
void split_validation(std::size_t n, const experiment::Holdout& validation,
                      std::vector<std::size_t>& fit, std::vector<std::size_t>& held_out);

/// Samples a 2-D model's surface on an n x n grid over its window.
store::Surface sample_surface(const Surface2D& surface, const std::string& problem_key,
                              const std::string& model, int n = 101);

}  // namespace optbench::run
