// The summary as tables: what `optbench summary` prints (text, CSV, JSON)
// and the report shows.
#pragma once

#include "results/summary.hpp"
#include "results/table.hpp"

namespace optbench::results {

/// One row per configuration: problem, label, optimizer, lr, seed counts,
/// train/test loss and accuracy (mean, sd), target columns, score, rank and
/// whether it is its optimizer's best lr on the problem.
Table config_table(const Summary& summary);
/// One row per optimizer and problem: the best lr and its score.
Table best_lr_table(const Summary& summary);

}  // namespace optbench::results
