// The `train:` block: how each run trains. Each setting is declared once, in
// train_settings(): its name, type, default, range and doc, the member that
// holds it, and whether it changes a run's result (and so its hash). The
// loader, the hash and the overrides all read that one table.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "optbench/params.hpp"

namespace optbench::experiment {

/// A run's length is bounded: a typo of a few digits must not fill a disk.
/// 10^9 steps is about 20 minutes of a 2-D run; a series of 10^6 points is
/// about 30 MB in the store and more than any chart can show.
inline constexpr std::int64_t kMaxSteps = 1'000'000'000;
inline constexpr std::int64_t kMaxEpochs = 1'000'000;
inline constexpr std::int64_t kMaxPointsPerSeries = 1'000'000;

/// How each run trains. Models without data use `steps`; models with data
/// use `epochs` and `batch_size`.
struct TrainSettings {
  std::int64_t steps = 100;
  std::int64_t epochs = 1;
  std::int64_t batch_size = 64;
  bool shuffle = true;
  std::int64_t record_every = 1;  ///< keep every k-th step's loss
  double diverge_above = 1e30;    ///< a loss above this (or not finite) stops the run
  /// Seconds before the run's worker process is killed, 0 for none.
  double timeout = 0.0;

  /// The settings that decide a run's result, for hashing and the stored
  /// JSON.
  ParamMap as_params() const;
  /// Overrides the settings named in `values` (validated train: keys).
  void apply(const std::map<std::string, ParamValue>& values);
};

/// One `train:` key.
struct TrainSetting {
  ParamSpec spec;  ///< name, type, default (from TrainSettings{}), range, doc
  std::variant<std::int64_t TrainSettings::*, double TrainSettings::*, bool TrainSettings::*>
      member;
  /// False for a setting that limits a run without changing its result
  /// (timeout): it stays out of the hash, so changing it redoes nothing.
  bool in_hash = true;
};

/// Every `train:` key, in the order the documentation lists them.
const std::vector<TrainSetting>& train_settings();

}  // namespace optbench::experiment
