#include "store/migrate.hpp"

#include <optional>
#include <string>
#include <vector>

#include "store/flat_view.hpp"
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

// Version 4: provenance, the current-grid flag, attempts, the final test
// loss and accuracy, and one definition of each result. Data runs' epochs
// count from 1 (they counted from 0), and their final_loss becomes the last
// epoch's mean train loss (it was the last mini-batch's), except for a
// diverged run, whose final loss stays the loss that diverged. Runs stored
// before have no provenance ('{}').
void from_3_to_4(sqlite3* db, const std::filesystem::path& file) {
  const std::string what = "upgrading the results schema from version 3 to 4";
  exec(db, file,
       "ALTER TABLE runs ADD COLUMN final_test_loss REAL CHECK (typeof(final_test_loss) IN "
       "('real', 'integer') OR final_test_loss = 'NaN');"
       "ALTER TABLE runs ADD COLUMN final_accuracy REAL CHECK (typeof(final_accuracy) IN "
       "('real', 'integer') OR final_accuracy = 'NaN');"
       "ALTER TABLE runs ADD COLUMN provenance TEXT NOT NULL DEFAULT '{}' "
       "CHECK (json_valid(provenance));"
       "ALTER TABLE runs ADD COLUMN in_grid INTEGER NOT NULL DEFAULT 1 CHECK (in_grid IN (0, 1));"
       "ALTER TABLE runs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;"
       "DROP VIEW IF EXISTS run_summary;",
       what);
  exec(db, file, kRunSummarySql, what);

  std::vector<std::pair<std::int64_t, std::string>> data_runs;  // id, status
  {
    Statement runs(db, file, "SELECT id, status FROM runs WHERE dataset != '' ORDER BY id", what);
    while (runs.step())
      data_runs.emplace_back(runs.column_int(0), runs.column_text(1));
  }
  // A diverged run keeps the loss that diverged as its final loss.
  Statement results(db, file,
                    "UPDATE runs SET final_loss = CASE WHEN status = 'diverged' THEN final_loss "
                    "ELSE ?2 END, final_test_loss = ?3, final_accuracy = ?4 WHERE id = ?1",
                    what);
  const auto latest = [](std::optional<MetricPoint>& last, const MetricPoint& p) {
    if (!last || p.step >= last->step) last = p;
  };
  const auto bind = [&](int index, const std::optional<MetricPoint>& p) {
    if (p) {
      results.bind_real(index, p->value);
    } else {
      results.bind_null(index);
    }
  };
  for (const auto& [run_id, status] : data_runs) {
    auto points = read_all_metrics(db, file, run_id);
    std::optional<MetricPoint> epoch_loss, test_loss, accuracy;
    for (auto& p : points) {
      ++p.epoch;
      if (p.split == "train" && p.name == "epoch_loss") latest(epoch_loss, p);
      if (p.split == "test" && p.name == "loss") latest(test_loss, p);
      if (p.split == "test" && p.name == "accuracy") latest(accuracy, p);
    }
    // Data runs have no trajectory, so clearing the history loses nothing
    // that is not written back here.
    clear_history(db, file, run_id);
    write_metric_chunks(db, file, run_id, points);
    results.bind_int(1, run_id);
    bind(2, epoch_loss);
    bind(3, test_loss);
    bind(4, accuracy);
    results.run();
  }
  refresh_flat_view(db, file, "[]");
}

// Version 5 allows the status 'pruned'. SQLite cannot alter a CHECK
// constraint, but widening one changes nothing on disk, so the table's
// stored definition is edited in place (SQLite's documented procedure for
// such changes: writable_schema, then a new schema_version so that every
// connection rereads it). Every existing row already satisfies the wider
// CHECK.
void from_4_to_5(sqlite3* db, const std::filesystem::path& file) {
  const std::string what = "upgrading the results schema from version 4 to 5";
  std::int64_t cookie = 0;
  {
    Statement version(db, file, "PRAGMA schema_version", what);
    if (version.step()) cookie = version.column_int(0);
  }
  const std::string sql =
      "PRAGMA writable_schema = ON;"
      "UPDATE sqlite_master SET sql = replace(sql, '''failed'', ''interrupted''))', "
      "'''failed'', ''interrupted'', ''pruned''))') WHERE type = 'table' AND name = 'runs';"
      "PRAGMA schema_version = " +
      std::to_string(cookie + 1) + "; PRAGMA writable_schema = OFF;";
  exec(db, file, sql.c_str(), what);
  Statement check(db, file,
                  "SELECT count(*) FROM sqlite_master WHERE name = 'runs' AND sql LIKE "
                  "'%''interrupted'', ''pruned''))%'",
                  what);
  if (!check.step() || check.column_int(0) != 1) {
    fail_plain(file, what + ": the runs table's status check was not found");
  }
}

// Where each run was trained. Runs finished before were trained where they
// were claimed, on no MPI rank.
void from_5_to_6(sqlite3* db, const std::filesystem::path& file) {
  const std::string what = "upgrading the results schema from version 5 to 6";
  // An older file's upgrade may have rebuilt the runs table from today's
  // definition already, which has the columns.
  bool missing = false;
  {
    Statement has(db, file,
                  "SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'trained_host'",
                  what);
    missing = has.step() && has.column_int(0) == 0;
  }
  if (missing) {
    exec(db, file,
         "ALTER TABLE runs ADD COLUMN trained_host TEXT;"
         "ALTER TABLE runs ADD COLUMN trained_rank INTEGER;",
         what);
  }
  exec(db, file,
       "UPDATE runs SET trained_host = host WHERE status NOT IN ('pending', 'running') AND "
       "trained_host IS NULL;"
       "DROP VIEW IF EXISTS run_summary;",
       what);
  exec(db, file, kRunSummarySql, what);
}

}  // namespace

void migrate(sqlite3* db, const std::filesystem::path& file, std::int64_t from) {
  if (from < 2) from_1_to_2(db, file);
  if (from < 3) from_2_to_3(db, file);
  if (from < 4) from_3_to_4(db, file);
  if (from < 5) from_4_to_5(db, file);
  if (from < 6) from_5_to_6(db, file);
  Statement version(db, file, "UPDATE meta SET value = ?1 WHERE key = 'schema_version'",
                    "recording the upgraded schema version");
  version.bind_int(1, kSchemaVersion);
  version.run();
}

}  // namespace optbench::store::detail
