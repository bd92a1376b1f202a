// The results database schema, version 2. SCHEMA.md beside this file is the
// reader's documentation and must change together with this text.
#pragma once

namespace optbench::store::detail {

/// Bump when the schema changes and teach Store::open to migrate older files;
/// files with a newer version are refused so old binaries cannot damage them.
inline constexpr int kSchemaVersion = 2;

// REAL columns hold either a number or the TEXT 'NaN' (SQLite stores a bound
// NaN as NULL, which would be indistinguishable from "missing"); the CHECKs
// make any such NULL or stray text fail loudly instead.
inline constexpr const char* kSchemaSql = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value
);

CREATE TABLE experiments (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  title       TEXT NOT NULL DEFAULT '',
  yaml        TEXT NOT NULL DEFAULT '',
  source_path TEXT NOT NULL DEFAULT '',
  created     TEXT NOT NULL
);

CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  config_hash   TEXT NOT NULL,
  group_key     TEXT NOT NULL DEFAULT '',
  problem_key   TEXT NOT NULL DEFAULT '',
  optimizer     TEXT NOT NULL,
  label         TEXT NOT NULL DEFAULT '',
  model         TEXT NOT NULL DEFAULT '',
  dataset       TEXT NOT NULL DEFAULT '',
  hyperparams   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(hyperparams)),
  seed          INTEGER NOT NULL DEFAULT 0,
  lr            REAL NOT NULL CHECK (typeof(lr) IN ('real', 'integer') OR lr = 'NaN'),
  status        TEXT NOT NULL CHECK (status IN ('pending', 'running', 'done', 'diverged',
                                                'failed', 'interrupted')),
  error         TEXT,
  started       TEXT,
  finished      TEXT,
  wall_seconds  REAL CHECK (typeof(wall_seconds) IN ('real', 'integer') OR wall_seconds = 'NaN'),
  steps         INTEGER,
  final_loss    REAL CHECK (typeof(final_loss) IN ('real', 'integer') OR final_loss = 'NaN'),
  host          TEXT NOT NULL DEFAULT '',
  pid           INTEGER,
  heartbeat     TEXT,
  UNIQUE (experiment_id, config_hash)
);

CREATE TABLE metrics (
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step         INTEGER NOT NULL,
  epoch        INTEGER NOT NULL DEFAULT 0,
  split        TEXT NOT NULL,
  name         TEXT NOT NULL,
  value        REAL NOT NULL CHECK (typeof(value) IN ('real', 'integer') OR value = 'NaN'),
  wall_seconds REAL NOT NULL
               CHECK (typeof(wall_seconds) IN ('real', 'integer') OR wall_seconds = 'NaN')
);
CREATE INDEX metrics_series ON metrics (run_id, name, split, step);

CREATE TABLE trajectories (
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step   INTEGER NOT NULL,
  x0     REAL NOT NULL CHECK (typeof(x0) IN ('real', 'integer') OR x0 = 'NaN'),
  x1     REAL NOT NULL CHECK (typeof(x1) IN ('real', 'integer') OR x1 = 'NaN')
);
CREATE INDEX trajectories_run ON trajectories (run_id, step);

CREATE TABLE surfaces (
  experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
  problem_key   TEXT NOT NULL,
  model         TEXT NOT NULL,
  nx            INTEGER NOT NULL CHECK (nx > 0),
  ny            INTEGER NOT NULL CHECK (ny > 0),
  x0_min        REAL NOT NULL,
  x0_max        REAL NOT NULL,
  x1_min        REAL NOT NULL,
  x1_max        REAL NOT NULL,
  min_x0        REAL NOT NULL,
  min_x1        REAL NOT NULL,
  "values"      BLOB NOT NULL CHECK (length("values") = 8 * nx * ny),
  PRIMARY KEY (experiment_id, problem_key)
);

CREATE VIEW run_summary AS
SELECT r.id AS run_id, e.name AS experiment, r.label, r.optimizer, r.model, r.dataset,
       r.problem_key, r.group_key, r.seed, r.lr, r.status, r.steps, r.final_loss,
       r.wall_seconds, r.error, r.started, r.finished, r.host, r.config_hash, r.hyperparams
FROM runs r JOIN experiments e ON e.id = r.experiment_id;

CREATE VIEW metric_points AS
SELECT e.name AS experiment, r.id AS run_id, r.label, r.optimizer, r.problem_key,
       r.group_key, r.seed, r.lr, m.split, m.name AS metric, m.step, m.epoch, m.value,
       m.wall_seconds
FROM metrics m
JOIN runs r ON r.id = m.run_id
JOIN experiments e ON e.id = r.experiment_id;
)sql";

/// Brings a file of an older version up to kSchemaVersion, one step per
/// version: kMigrations[v - 1] turns version v into v + 1.
inline constexpr const char* kMigrations[] = {
    // 1 -> 2: who runs a run, to tell a live run from one left by a dead process.
    "ALTER TABLE runs ADD COLUMN pid INTEGER; ALTER TABLE runs ADD COLUMN heartbeat TEXT;",
};
static_assert(sizeof kMigrations / sizeof kMigrations[0] == kSchemaVersion - 1);

}  // namespace optbench::store::detail
