#include "store/migrate.hpp"

#include <string>
#include <vector>

#include "store/history.hpp"
#include "store/schema.hpp"
#include "store/statement.hpp"

namespace optbench::store::detail {
namespace {

// Version 1 kept one row per point in the tables `metrics` and
// `trajectories`; version 2 keeps chunks and shows the old names as views.
// The old rows are re-encoded in C++ rather than with json_group_array,
// because SQLite prints reals in JSON with 15 significant digits and would
// lose the last bits of every value.
void from_1_to_2(sqlite3* db, const std::filesystem::path& file) {
  const std::string what = "upgrading the results schema from version 1 to 2";
  exec(db, file,
       "DROP VIEW metric_points;"
       "ALTER TABLE metrics RENAME TO metrics_v1;"
       "ALTER TABLE trajectories RENAME TO trajectories_v1;",
       what);
  exec(db, file, kHistorySql, what);

  // Run by run, so memory holds one run's history at a time.
  std::vector<std::int64_t> run_ids;
  {
    Statement runs(db, file,
                   "SELECT run_id FROM metrics_v1 UNION SELECT run_id FROM trajectories_v1 "
                   "ORDER BY 1",
                   what);
    while (runs.step())
      run_ids.push_back(runs.column_int(0));
  }
  Statement metrics(db, file,
                    "SELECT step, epoch, split, name, value, wall_seconds FROM metrics_v1 "
                    "WHERE run_id = ?1 ORDER BY name, split, step, rowid",
                    what);
  Statement trajectory(db, file,
                       "SELECT step, x0, x1 FROM trajectories_v1 WHERE run_id = ?1 "
                       "ORDER BY step, rowid",
                       what);
  for (const std::int64_t run_id : run_ids) {
    std::vector<MetricPoint> points;
    metrics.bind_int(1, run_id);
    while (metrics.step())
      points.push_back({metrics.column_int(0), metrics.column_int(1), metrics.column_text(2),
                        metrics.column_text(3), metrics.column_real(4), metrics.column_real(5)});
    metrics.reset();
    write_metric_chunks(db, file, run_id, points);

    std::vector<TrajectoryPoint> path;
    trajectory.bind_int(1, run_id);
    while (trajectory.step())
      path.push_back(
          {trajectory.column_int(0), trajectory.column_real(1), trajectory.column_real(2)});
    trajectory.reset();
    write_trajectory_chunks(db, file, run_id, path);
  }
  exec(db, file, "DROP TABLE metrics_v1; DROP TABLE trajectories_v1;", what);
}

// Version 3 records who runs a run, to tell a live run from one left
// behind by a dead process. Older rows get NULL: no owner, so abandoned.
void from_2_to_3(sqlite3* db, const std::filesystem::path& file) {
  exec(db, file,
       "ALTER TABLE runs ADD COLUMN pid INTEGER; ALTER TABLE runs ADD COLUMN heartbeat TEXT;",
       "upgrading the results schema from version 2 to 3");
}

}  // namespace

void migrate(sqlite3* db, const std::filesystem::path& file, std::int64_t from) {
  if (from < 2) from_1_to_2(db, file);
  if (from < 3) from_2_to_3(db, file);
  Statement version(db, file, "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                    "recording the upgraded schema version");
  version.bind_int(1, kSchemaVersion);
  version.run();
}

}  // namespace optbench::store::detail
