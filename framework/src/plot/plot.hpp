// Comparison charts drawn with gnuplot (through gnuplot-iostream) from the
// store alone: no plugin is loaded and nothing is retrained.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/reader.hpp"

namespace optbench::plot {

enum class Format { Png, Svg };

struct Options {
  std::filesystem::path out_dir;
  std::vector<Format> formats{Format::Png};
  bool log_y = true;  ///< loss axes on a log scale
  /// The target loss of the performance profile; when unset, the
  /// experiment's `target_loss:` from its stored YAML.
  std::optional<double> target_loss;
  /// The current grid's runs, or also those set aside by an edit (--all).
  store::Scope scope = store::Scope::Current;
};

/// Chart kinds drawn by `optbench plot --kind` and the YAML `plots:` list:
/// experiment::chart_kinds(), where each is described.
const std::vector<std::string>& kinds();

/// The kinds `optbench run` draws when the YAML lists no `plots:`: for 2-D
/// functions contours and loss, for runs on data epochs and
/// iteration_epoch, lr where an optimizer swept its lr, profile where a
/// target loss is set and there are two or more problems.
std::vector<std::string> default_kinds(const std::vector<store::RunRecord>& runs, bool has_target);

/// Draws the given kinds (all that apply when empty) for one experiment and
/// returns the files written. Kinds that do not apply (contours without 2-D
/// runs, epoch charts without epoch metrics) are skipped silently. Throws
/// std::runtime_error when gnuplot fails or the experiment does not exist.
std::vector<std::filesystem::path> draw(const store::Reader& db, const std::string& experiment,
                                        const std::vector<std::string>& kinds,
                                        const Options& options);

/// Escapes text for a gnuplot double-quoted string: backslash, double
/// quote, and the backquote (command substitution) and '@' (macro
/// expansion) that gnuplot would otherwise act on; control characters
/// become spaces.
std::string escape(std::string_view text);

}  // namespace optbench::plot
