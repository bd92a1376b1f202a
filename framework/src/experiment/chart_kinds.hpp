// The chart kinds an experiment's `plots:` list (and `optbench plot --kind`)
// may name. They are part of the experiment language, so the loader checks
// them here without depending on the charts; plot/ draws each of them.
//
// "contours": trajectories on contour plots, one panel per optimizer, one
//             figure per 2-D problem.
// "loss":     loss per step, one line per optimizer configuration (mean over
//             seeds with a +- std band when there are several seeds), one
//             figure per problem.
// "epochs":   per problem, train (solid) and test (dashed) loss per epoch
//             beside the test accuracy per epoch, one line per
//             configuration; for runs trained on data.
// "iteration_epoch": per problem, one row per configuration (at most 8):
//             loss per recorded step beside loss per epoch; for runs
//             trained on data.
// "time":     loss against wall-clock seconds, one line per configuration,
//             one figure per problem; for runs that recorded elapsed time.
// "lr":       final loss against the learning rate (log x), one line per
//             optimizer configuration without its lr, mean +- std over
//             seeds, diverged configurations marked; for problems where an
//             optimizer ran at two or more learning rates.
// "surface":  the stored 2-D function as a 3-D surface with each
//             configuration's path on it, one figure per 2-D problem.
// "profile":  performance profile over the experiment's problems: per
//             optimizer, the fraction of problems it solves (reaches the
//             target loss) within a factor tau of the fastest; needs a
//             target loss.
#pragma once

#include <string>
#include <vector>

namespace optbench::experiment {

/// Every chart kind, in the order charts are drawn.
inline const std::vector<std::string>& chart_kinds() {
  static const std::vector<std::string> kinds = {"contours", "loss", "epochs",  "iteration_epoch",
                                                 "time",     "lr",   "surface", "profile"};
  return kinds;
}

}  // namespace optbench::experiment
