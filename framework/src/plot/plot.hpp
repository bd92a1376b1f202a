// Comparison charts drawn with gnuplot (through gnuplot-iostream) from the
// store alone: no plugin is loaded and nothing is retrained.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace optbench::plot {

enum class Format { Png, Svg };

struct Options {
  std::filesystem::path out_dir;
  std::vector<Format> formats{Format::Png};
  bool log_y = true;  ///< loss axes on a log scale
};

/// Chart kinds drawn by `optbench plot --kind` and the YAML `plots:` list.
/// "contours": trajectories on contour plots, one panel per optimizer, one
///             figure per 2-D problem.
/// "loss":     loss per step, one line per optimizer configuration (mean over
///             seeds with a +- std band when there are several seeds), one
///             figure per problem.
/// "epochs":   per problem, train (solid) and test (dashed) loss per epoch
///             beside the test accuracy per epoch, one line per
///             configuration; for runs trained on data.
/// "iteration_epoch": per problem, one row per configuration (at most 8):
///             loss per recorded step beside loss per epoch; for runs
///             trained on data.
/// "time":     loss against wall-clock seconds, one line per configuration,
///             one figure per problem; for runs that recorded elapsed time.
const std::vector<std::string>& kinds();

/// Draws the given kinds (all that apply when empty) for one experiment and
/// returns the files written. Kinds that do not apply (contours without 2-D
/// runs, epoch charts without epoch metrics) are skipped silently. Throws
/// std::runtime_error when gnuplot fails or the experiment does not exist.
std::vector<std::filesystem::path> draw(const store::Store& db, const std::string& experiment,
                                        const std::vector<std::string>& kinds,
                                        const Options& options);

/// Escapes text for a gnuplot double-quoted string: backslash, double
/// quote, and the backquote (command substitution) and '@' (macro
/// expansion) that gnuplot would otherwise act on; control characters
/// become spaces.
std::string escape(std::string_view text);

}  // namespace optbench::plot
