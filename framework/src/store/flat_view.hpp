// The view `runs_flat`: one row per run of the current grids and one column
// per hyperparameter, so that pandas.read_sql or R get a flat table without
// unpacking the JSON in `runs.hyperparams`. SQL has no views with columns
// that depend on the data, so the writer recreates it whenever a grid with
// new hyperparameters is registered.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace optbench::store::detail {

/// Drops and recreates runs_flat with a column per hyperparameter found in
/// the stored runs or in `grid` (a JSON array of the hyperparams objects of
/// runs about to be stored). The caller holds the write transaction.
void refresh_flat_view(sqlite3* db, const std::filesystem::path& file, const std::string& grid);

}  // namespace optbench::store::detail
