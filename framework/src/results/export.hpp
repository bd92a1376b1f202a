// The runs and metrics of a results database as flat tables, so that
// pandas (read_csv / read_json) or R take over from here.
#pragma once

#include <vector>

#include "results/table.hpp"
#include "store/reader.hpp"

namespace optbench::results {

/// One row per run: identity, settings (hyperparameters as JSON text),
/// status, timings and final loss.
Table runs_table(const std::vector<store::RunRecord>& runs);
/// One row per stored metric point, with its run's identity: run_id,
/// experiment, label, optimizer, problem, seed, lr, split, name, step,
/// epoch, value, wall_seconds.
Table metrics_table(const store::Reader& db, const std::vector<store::RunRecord>& runs);

}  // namespace optbench::results
