// What the chart kinds share: the experiment's runs grouped for drawing,
// colours fixed per configuration, and output file names.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "plot/plot.hpp"
#include "plot/session.hpp"
#include "store/store.hpp"

namespace optbench::plot::detail {

/// Seeds of one configuration, in run id order.
using Group = std::vector<const store::RunRecord*>;
/// Configurations of one problem as (group_key, runs), in the order they
/// first appear (run id order, which is the experiment file's order), so
/// panels and legends read as the YAML does.
using Groups = std::vector<std::pair<std::string, Group>>;

class Context {
 public:
  Context(const store::Store& db, store::ExperimentRecord experiment,
          std::vector<store::RunRecord> runs, const Options& options);

  const store::Store& db() const { return db_; }
  const store::ExperimentRecord& experiment() const { return experiment_; }
  const Options& options() const { return options_; }
  /// The experiment's title, or its name when it has none.
  const std::string& title() const;
  /// Runs by problem_key, then group_key.
  const std::map<std::string, Groups>& problems() const { return problems_; }
  /// The colour ("#rrggbb") of a configuration, the same in every chart of
  /// the experiment.
  const std::string& colour(const std::string& group_key) const;
  /// Output files for one figure, one per requested format, under unique
  /// sanitized names.
  std::vector<Target> targets(const std::string& kind, const std::string& problem);

 private:
  const store::Store& db_;
  store::ExperimentRecord experiment_;
  std::vector<store::RunRecord> runs_;
  const Options& options_;
  std::map<std::string, Groups> problems_;
  std::map<std::string, std::string> colours_;  ///< by group_key
  std::set<std::string> used_names_;
};

/// The legend / panel text of a configuration.
std::string group_label(const Group& group);

std::vector<std::filesystem::path> draw_contours(Context& context);
std::vector<std::filesystem::path> draw_loss_curves(Context& context);

}  // namespace optbench::plot::detail
