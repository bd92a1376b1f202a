// The results database schema, version 6. SCHEMA.md beside this file is the
// reader's documentation and must change together with this text.
#pragma once

namespace optbench::store::detail {

/// Bump when the schema changes and teach SqliteStore::open to migrate older files;
/// files with a newer version are refused so old binaries cannot damage them.
inline constexpr int kSchemaVersion = 6;

// REAL columns hold either a number or the TEXT 'NaN' (SQLite stores a bound
// NaN as NULL, which would be indistinguishable from "missing"); the CHECKs
// make any such NULL or stray text fail loudly instead.
// Everything but the point histories (kHistorySql below), which version 2
// changed; creating a file runs both, migrating from version 1 only the
// second.
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
                                                'failed', 'interrupted', 'pruned')),
  error         TEXT,
  started       TEXT,
  finished      TEXT,
  wall_seconds  REAL CHECK (typeof(wall_seconds) IN ('real', 'integer') OR wall_seconds = 'NaN'),
  steps         INTEGER,
  final_loss    REAL CHECK (typeof(final_loss) IN ('real', 'integer') OR final_loss = 'NaN'),
  host          TEXT NOT NULL DEFAULT '',
  pid           INTEGER,
  heartbeat     TEXT,
  final_test_loss REAL CHECK (typeof(final_test_loss) IN ('real', 'integer') OR
                              final_test_loss = 'NaN'),
  final_accuracy  REAL CHECK (typeof(final_accuracy) IN ('real', 'integer') OR
                              final_accuracy = 'NaN'),
  provenance    TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(provenance)),
  in_grid       INTEGER NOT NULL DEFAULT 1 CHECK (in_grid IN (0, 1)),
  attempts      INTEGER NOT NULL DEFAULT 1,
  trained_host  TEXT,
  trained_rank  INTEGER,
  UNIQUE (experiment_id, config_hash)
);

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

)sql";

// The per-run view; versions 4 and 6 added columns to it, so their
// migrations drop and recreate it from this text.
inline constexpr const char* kRunSummarySql = R"sql(
CREATE VIEW run_summary AS
SELECT r.id AS run_id, e.name AS experiment, r.label, r.optimizer, r.model, r.dataset,
       r.problem_key, r.group_key, r.seed, r.lr, r.status, r.steps, r.final_loss,
       r.final_test_loss, r.final_accuracy, r.wall_seconds, r.error, r.started, r.finished,
       r.host, r.config_hash, r.hyperparams, r.in_grid, r.attempts, r.provenance,
       r.trained_host, r.trained_rank
FROM runs r JOIN experiments e ON e.id = r.experiment_id;
)sql";

// Point histories as chunks (see chunks.hpp for the JSON layout and why), and
// the views that show them one row per point under the version-1 table
// names, so SQL written against those keeps working. first_step/last_step
// let a reader pick chunks by step range without parsing them.
inline constexpr const char* kHistorySql = R"sql(
CREATE TABLE metric_chunks (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  split      TEXT NOT NULL,
  name       TEXT NOT NULL,
  first_step INTEGER NOT NULL,
  last_step  INTEGER NOT NULL,
  count      INTEGER NOT NULL CHECK (count > 0),
  points     TEXT NOT NULL
);
CREATE INDEX metric_chunks_series ON metric_chunks (run_id, name, split, first_step);

CREATE TABLE trajectory_chunks (
  id         INTEGER PRIMARY KEY,
  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  first_step INTEGER NOT NULL,
  last_step  INTEGER NOT NULL,
  count      INTEGER NOT NULL CHECK (count > 0),
  points     TEXT NOT NULL
);
CREATE INDEX trajectory_chunks_run ON trajectory_chunks (run_id, first_step);

CREATE VIEW metrics AS
SELECT c.run_id, p.value ->> 0 AS step, p.value ->> 1 AS epoch, c.split, c.name,
       p.value ->> 2 AS value, p.value ->> 3 AS wall_seconds
FROM metric_chunks c, json_each(c.points) p;

CREATE VIEW trajectories AS
SELECT c.run_id, p.value ->> 0 AS step, p.value ->> 1 AS x0, p.value ->> 2 AS x1
FROM trajectory_chunks c, json_each(c.points) p;

CREATE VIEW metric_points AS
SELECT e.name AS experiment, r.id AS run_id, r.label, r.optimizer, r.problem_key,
       r.group_key, r.seed, r.lr, m.split, m.name AS metric, m.step, m.epoch, m.value,
       m.wall_seconds
FROM metrics m
JOIN runs r ON r.id = m.run_id
JOIN experiments e ON e.id = r.experiment_id;
)sql";

}  // namespace optbench::store::detail
