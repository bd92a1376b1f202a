// An experiment as written in YAML, validated and typed, and its expansion
// into runs. Every value keeps where it came from, so that an error can say
// file:line:col and the key path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "experiment/train_settings.hpp"
#include "optbench/params.hpp"

namespace optbench::experiment {

/// A position in the experiment file, 1-based like editors show it.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;
};

/// Bad input in an experiment file. what() is
/// "file:line:col: key.path: what was expected".
class SpecError : public std::runtime_error {
 public:
  SpecError(Location where, std::string key_path, const std::string& message);
  const Location& where() const { return where_; }
  const std::string& key_path() const { return key_path_; }

 private:
  Location where_;
  std::string key_path_;
};

/// Every error found in one file, in file order. what() lists them one per
/// line; where() and key_path() are the first one's.
class SpecErrors : public SpecError {
 public:
  explicit SpecErrors(std::vector<SpecError> errors);
  const std::vector<SpecError>& errors() const { return errors_; }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::vector<SpecError> errors_;
  std::string text_;
};

/// Throws nothing for no errors, the error itself for one, SpecErrors (in
/// the order given) for more.
void throw_errors(std::vector<SpecError> errors);

/// A range a random search draws a hyperparameter from.
struct Distribution {
  enum class Kind { LogUniform, Uniform, Choice };
  Kind kind = Kind::Uniform;
  double lo = 0.0, hi = 0.0;  ///< LogUniform and Uniform: both ends included
};

/// One hyperparameter as written: one value, a sweep of several, or a
/// distribution ({loguniform|uniform: [lo, hi]}, {choice: [...]}) that a
/// random search samples. A choice's values are in `values`.
struct Axis {
  std::string key;
  std::vector<ParamValue> values;
  Location where;
  std::optional<Distribution> sample;
  bool integer = false;  ///< the hyperparameter is an Int: draws are whole numbers
};

/// An optimizer entry's `schedule:`: a schedule plugin, its settings (which
/// sweep like hyperparameters) and whether it steps per step or per epoch.
struct ScheduleEntry {
  std::string plugin;
  std::vector<Axis> axes;
  bool per_epoch = false;  ///< `interval: epoch`
  Location where;
  std::string key_path;  ///< e.g. "optimizers[0].schedule"
};

/// `validation:` of a dataset entry: a seeded fraction of the training split
/// held out. The same seed holds out the same samples in every run.
struct Holdout {
  double fraction = 0.0;  ///< 0: no validation split
  std::int64_t seed = 0;
};

/// `search:`: how the optimizer entries' configurations are chosen. Without
/// it every combination of the listed values runs (the grid).
struct SearchSpec {
  /// Random: every drawn configuration trains its full budget. Halving
  /// (successive halving): all train `min_epochs`, the best 1/eta on the
  /// validation measure go on to eta times as many epochs, and so on up to
  /// train.epochs; the others are stored `pruned`.
  enum class Kind { Random, Halving };
  Kind kind = Kind::Random;
  std::int64_t budget = 1;  ///< configurations per optimizer entry
  std::int64_t seed = 0;
  std::int64_t eta = 3;         ///< halving: keep the best 1/eta at each rung
  std::int64_t min_epochs = 1;  ///< halving: the first rung's epochs
  Location where;
};

/// One entry of `optimizers:`, `models:` or `datasets:`.
struct PluginEntry {
  std::string plugin;  ///< plugin name
  std::string label;   ///< explicit label, or empty
  std::vector<Axis> axes;
  std::map<std::string, ParamValue> train_overrides;  ///< optimizers only
  std::optional<ScheduleEntry> schedule;              ///< optimizers only
  Holdout validation;                                 ///< datasets only
  Location where;
  std::string key_path;  ///< e.g. "optimizers[2]"
};

struct ExperimentSpec {
  std::string name;
  std::string title;
  std::string description;
  std::filesystem::path source_path;
  std::string yaml_text;
  std::vector<PluginEntry> optimizers;
  std::vector<PluginEntry> models;
  std::vector<PluginEntry> datasets;  ///< empty for data-free models
  TrainSettings train;
  Location train_where;  ///< the top-level `train:` key, for errors about it
  std::vector<std::int64_t> seeds{0};
  std::vector<std::string> plots;  ///< chart kinds; empty = the defaults
  std::int64_t max_runs = 10000;   ///< refuse grids larger than this
  /// The loss that time-to-target and the performance profile measure.
  std::optional<double> target_loss;
  /// Each run in its own worker process; unset: the command line decides.
  std::optional<bool> isolate;
  std::optional<SearchSpec> search;
};

/// One fully resolved run of the grid.
struct RunSpec {
  std::string optimizer;
  ParamMap optimizer_params;
  std::string model;
  ParamMap model_params;
  std::optional<std::string> dataset;
  ParamMap dataset_params;
  Holdout validation;
  TrainSettings train;
  std::optional<std::string> schedule;  ///< schedule plugin, if any
  ParamMap schedule_params;
  bool schedule_per_epoch = false;
  std::int64_t seed = 0;
  std::string label;        ///< legend text for the optimizer configuration
  std::string problem_key;  ///< model (+ dataset) cell, readable
  std::string group_key;    ///< hash of settings and identity, without the seed
  std::string config_hash;  ///< hash of settings, identity and seed
  std::string hyperparams_json;
  /// What the result depends on besides the settings: each plugin's name,
  /// version, library file and digest and the data files' digests, as JSON
  /// {"optimizer":..,"model":..,"dataset":..,"data":[..]} (stored in the
  /// run's provenance). The same without the paths is part of both hashes,
  /// so a rebuilt plugin or changed data is a different run.
  std::string identity_json;
  double lr = 0.0;  ///< NaN when the optimizer has no "lr"
  /// Where the run's model and dataset entries are in the file, for the
  /// checks before the first run.
  Location model_where, dataset_where;
  std::string model_key_path, dataset_key_path;
  /// Successive halving only: which drawn configuration this run trains
  /// ("optimizers[k] #n", the same at every rung) and at which rung (0 is
  /// the first; the last trains train.epochs).
  std::string trial;
  int rung = 0;
  int rungs = 1;
};

}  // namespace optbench::experiment
