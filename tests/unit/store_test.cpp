#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <latch>
#include <limits>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "process_support.hpp"
#include "store/schema.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace optbench::store;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

using Rows = std::vector<std::vector<std::string>>;
using namespace optbench::testing;

std::string csv(const SqliteStore& db, const std::string& sql) {
  std::ostringstream out;
  db.query_csv(sql, out);
  return out.str();
}

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

RunRecord make_run(const std::string& hash) {
  RunRecord r;
  r.config_hash = hash;
  r.group_key = "group-" + hash;
  r.problem_key = "rosenbrock";
  r.optimizer = "adam";
  r.label = "Adam lr=0.2";
  r.model = "rosenbrock";
  r.hyperparams = R"({"optimizer":{"lr":0.2}})";
  r.seed = 7;
  r.lr = 0.2;
  r.host = "test-host";
  return r;
}

std::vector<MetricPoint> loss_points(std::int64_t first_step, int count) {
  std::vector<MetricPoint> points;
  for (int k = 0; k < count; ++k) {
    const std::int64_t step = first_step + k;
    points.push_back({step, step / 10, "train", "loss", 1.0 / static_cast<double>(step + 3),
                      0.001 * static_cast<double>(step)});
  }
  return points;
}

std::string single_value(const SqliteStore& db, const std::string& sql) {
  const Rows t = parse_csv(csv(db, sql));
  EXPECT_EQ(t.size(), 2u) << sql;
  if (t.size() != 2 || t[1].size() != 1) return "<bad result>";
  return t[1][0];
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const StoreError& e) {
    return e.what();
  }
  return "<no StoreError thrown>";
}

class StoreTest : public ::testing::Test {
 protected:
  fs::path file(const std::string& name) const { return dir_ / name; }

  optbench::testing::TempDir dir_;
};

TEST(RunStatusTest, NamesRoundTrip) {
  for (RunStatus s : {RunStatus::Pending, RunStatus::Running, RunStatus::Done, RunStatus::Diverged,
                      RunStatus::Failed, RunStatus::Interrupted})
    EXPECT_EQ(optbench::store::parse_status(optbench::store::to_string(s)), s);
  EXPECT_STREQ(optbench::store::to_string(RunStatus::Diverged), "diverged");
  EXPECT_THROW(optbench::store::parse_status("finished"), StoreError);
}

TEST_F(StoreTest, CreatesVersionedSchemaInWalMode) {
  const SqliteStore db = SqliteStore::open(file("new.db"));
  EXPECT_EQ(single_value(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(optbench::store::detail::kSchemaVersion));
  // Header bytes 18 and 19 (file format versions) are 2 in WAL mode.
  const std::string header = read_bytes(file("new.db")).substr(0, 100);
  ASSERT_EQ(header.substr(0, 16), std::string("SQLite format 3\0", 16));
  EXPECT_EQ(header[18], 2);
  EXPECT_EQ(header[19], 2);
  const Rows tables =
      parse_csv(csv(db,
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                    "ORDER BY name"));
  std::vector<std::string> names;
  for (std::size_t i = 1; i < tables.size(); ++i)
    names.push_back(tables[i][0]);
  EXPECT_EQ(names,
            (std::vector<std::string>{"experiments", "meta", "metric_chunks", "metric_points",
                                      "metrics", "run_summary", "runs", "runs_flat", "surfaces",
                                      "trajectories", "trajectory_chunks"}));
  // Reopening finds the schema instead of recreating it.
  const SqliteStore again = SqliteStore::open(file("new.db"));
  EXPECT_EQ(single_value(again, "SELECT count(*) FROM meta WHERE key = 'schema_version'"), "1");
}

TEST_F(StoreTest, RoundTripsEverything) {
  SqliteStore db = SqliteStore::open(file("rt.db"));
  const std::int64_t exp = db.upsert_experiment("exp", "Title", "a: 1\n", "/src/exp.yaml");
  EXPECT_GT(exp, 0);
  // Another file of the same name is refused unless it replaces the first.
  EXPECT_THROW(db.upsert_experiment("exp", "Title 2", "a: 2\n", "/src/exp2.yaml"),
               optbench::store::ExperimentConflict);
  EXPECT_EQ(db.experiment("exp")->yaml, "a: 1\n");
  EXPECT_EQ(db.upsert_experiment("exp", "Title 2", "a: 2\n", "/src/exp2.yaml", true), exp);
  const std::int64_t other = db.upsert_experiment("other", "", "", "");
  EXPECT_NE(other, exp);

  const auto experiments = db.experiments();
  ASSERT_EQ(experiments.size(), 2u);
  EXPECT_EQ(experiments[0].id, exp);
  EXPECT_EQ(experiments[0].name, "exp");
  EXPECT_EQ(experiments[0].title, "Title 2");
  EXPECT_EQ(experiments[0].yaml, "a: 2\n");
  EXPECT_EQ(experiments[0].source_path, "/src/exp2.yaml");
  ASSERT_EQ(experiments[0].created.size(), 24u) << experiments[0].created;
  EXPECT_EQ(experiments[0].created[10], 'T');
  EXPECT_EQ(experiments[0].created.back(), 'Z');
  EXPECT_EQ(experiments[1].name, "other");
  ASSERT_TRUE(db.experiment("exp").has_value());
  EXPECT_EQ(db.experiment("exp")->yaml, "a: 2\n");
  EXPECT_FALSE(db.experiment("missing").has_value());

  RunRecord run = make_run("hash-a");
  run.dataset = "mnist";
  const Claim claim = db.claim_run(exp, run);
  EXPECT_GT(claim.run_id, 0);
  EXPECT_FALSE(claim.already_done);

  auto runs = db.runs("exp");
  ASSERT_EQ(runs.size(), 1u);
  const RunRecord& r = runs[0];
  EXPECT_EQ(r.id, claim.run_id);
  EXPECT_EQ(r.experiment, "exp");
  EXPECT_EQ(r.config_hash, "hash-a");
  EXPECT_EQ(r.group_key, "group-hash-a");
  EXPECT_EQ(r.problem_key, "rosenbrock");
  EXPECT_EQ(r.optimizer, "adam");
  EXPECT_EQ(r.label, "Adam lr=0.2");
  EXPECT_EQ(r.model, "rosenbrock");
  EXPECT_EQ(r.dataset, "mnist");
  EXPECT_EQ(r.hyperparams, R"({"optimizer":{"lr":0.2}})");
  EXPECT_EQ(r.seed, 7);
  EXPECT_EQ(r.lr, 0.2);
  EXPECT_EQ(r.status, RunStatus::Running);
  EXPECT_EQ(r.host, "test-host");
  EXPECT_FALSE(r.started.empty());
  EXPECT_TRUE(r.finished.empty());
  EXPECT_TRUE(db.runs("other").empty());
  EXPECT_EQ(db.runs().size(), 1u);

  const std::vector<double> values = {0.1,      1.0 / 3.0, 1e-308, 5e-324, 123456789.123456789,
                                      -2.5e300, 42.0};
  std::vector<MetricPoint> points;
  for (std::size_t i = 0; i < values.size(); ++i)
    points.push_back({static_cast<std::int64_t>(i), 0, "train", "loss", values[i],
                      0.25 * static_cast<double>(i) + 1.0 / 7.0});
  points.push_back({3, 1, "test", "loss", 0.75, 9.5});
  points.push_back({3, 1, "train", "accuracy", 0.5, 9.5});
  db.append_metrics(claim.run_id, points);

  const auto loss = db.metrics(claim.run_id, "loss");
  ASSERT_EQ(loss.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    EXPECT_EQ(loss[i].step, static_cast<std::int64_t>(i));
    EXPECT_EQ(loss[i].epoch, 0);
    EXPECT_EQ(loss[i].split, "train");
    EXPECT_EQ(loss[i].name, "loss");
    EXPECT_EQ(loss[i].value, values[i]) << i;
    EXPECT_EQ(loss[i].wall_seconds, 0.25 * static_cast<double>(i) + 1.0 / 7.0);
  }
  const auto test_loss = db.metrics(claim.run_id, "loss", "test");
  ASSERT_EQ(test_loss.size(), 1u);
  EXPECT_EQ(test_loss[0].epoch, 1);
  EXPECT_EQ(test_loss[0].value, 0.75);
  ASSERT_EQ(db.metrics(claim.run_id, "accuracy").size(), 1u);
  EXPECT_TRUE(db.metrics(claim.run_id, "nothing").empty());

  const std::vector<TrajectoryPoint> path = {{0, -1.5, 2.0}, {1, -1.25, 1.0 / 3.0}, {2, 0.1, 0.2}};
  db.append_trajectory(claim.run_id, path);
  const auto read_path = db.trajectory(claim.run_id);
  ASSERT_EQ(read_path.size(), path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    EXPECT_EQ(read_path[i].step, path[i].step);
    EXPECT_EQ(read_path[i].x0, path[i].x0);
    EXPECT_EQ(read_path[i].x1, path[i].x1);
  }

  Surface surface;
  surface.problem_key = "rosenbrock";
  surface.model = "rosenbrock";
  surface.nx = 3;
  surface.ny = 2;
  surface.x0_min = -2.0;
  surface.x0_max = 2.0;
  surface.x1_min = -1.0;
  surface.x1_max = 3.0;
  surface.min_x0 = 1.0;
  surface.min_x1 = 1.0;
  surface.values = {0.0, 1.0 / 3.0, M_PI, -1e-300, 2.5e10, 7.0};
  db.put_surface(exp, surface);
  Surface second = surface;
  second.values.assign(6, 9.0);
  db.put_surface(exp, second);  // first one wins

  const auto read_surface = db.surface("exp", "rosenbrock");
  ASSERT_TRUE(read_surface.has_value());
  EXPECT_EQ(read_surface->problem_key, "rosenbrock");
  EXPECT_EQ(read_surface->model, "rosenbrock");
  EXPECT_EQ(read_surface->nx, 3);
  EXPECT_EQ(read_surface->ny, 2);
  EXPECT_EQ(read_surface->x0_min, -2.0);
  EXPECT_EQ(read_surface->x0_max, 2.0);
  EXPECT_EQ(read_surface->x1_min, -1.0);
  EXPECT_EQ(read_surface->x1_max, 3.0);
  EXPECT_EQ(read_surface->min_x0, 1.0);
  EXPECT_EQ(read_surface->min_x1, 1.0);
  EXPECT_EQ(read_surface->values, surface.values);
  EXPECT_FALSE(db.surface("other", "rosenbrock").has_value());
  EXPECT_FALSE(db.surface("exp", "beale").has_value());
  // The blob is little-endian float64: 1.0/3.0 is 0x3FD5555555555555.
  EXPECT_EQ(single_value(db, "SELECT substr(hex(\"values\"), 17, 16) FROM surfaces"),
            "555555555555D53F");

  db.finish_run(claim.run_id, RunStatus::Done, "", 12.5, 100, 0.0123);
  runs = db.runs("exp");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::Done);
  EXPECT_EQ(runs[0].error, "");
  EXPECT_FALSE(runs[0].finished.empty());
  EXPECT_EQ(runs[0].wall_seconds, 12.5);
  EXPECT_EQ(runs[0].steps, 100);
  EXPECT_EQ(runs[0].final_loss, 0.0123);
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM runs WHERE error IS NULL"), "1");

  // A finished run takes no more writes (SqliteStore::finish_run): another run
  // carries the failure.
  const std::int64_t failed = db.claim_run(exp, make_run("failed")).run_id;
  db.finish_run(failed, RunStatus::Failed, "boom, \"really\"", 1.0, 2, 3.0);
  EXPECT_EQ(db.runs()[1].error, "boom, \"really\"");
  EXPECT_EQ(single_value(db, "SELECT DISTINCT experiment FROM run_summary"), "exp");
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM metric_points WHERE experiment = 'exp'"), "9");
}

TEST_F(StoreTest, NaNAndInfinitiesSurvive) {
  SqliteStore db = SqliteStore::open(file("nan.db"));
  const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
  RunRecord run = make_run("h");
  run.lr = kNaN;  // an optimizer without a learning rate
  const std::int64_t id = db.claim_run(exp, run).run_id;
  db.append_metrics(id, std::vector<MetricPoint>{{0, 0, "train", "loss", kNaN, 0.0},
                                                 {1, 0, "train", "loss", kInf, kNaN},
                                                 {2, 0, "train", "loss", -kInf, 1.0}});
  db.append_trajectory(id, std::vector<TrajectoryPoint>{{0, kNaN, kInf}, {1, -kInf, kNaN}});
  db.finish_run(id, RunStatus::Diverged, "loss is NaN", 1.5, 3, kNaN);

  const auto loss = db.metrics(id, "loss");
  ASSERT_EQ(loss.size(), 3u);
  EXPECT_TRUE(std::isnan(loss[0].value));
  EXPECT_EQ(loss[1].value, kInf);
  EXPECT_TRUE(std::isnan(loss[1].wall_seconds));
  EXPECT_EQ(loss[2].value, -kInf);
  const auto path = db.trajectory(id);
  ASSERT_EQ(path.size(), 2u);
  EXPECT_TRUE(std::isnan(path[0].x0));
  EXPECT_EQ(path[0].x1, kInf);
  EXPECT_EQ(path[1].x0, -kInf);
  EXPECT_TRUE(std::isnan(path[1].x1));
  const auto runs = db.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(std::isnan(runs[0].lr));
  EXPECT_TRUE(std::isnan(runs[0].final_loss));

  const Rows t = parse_csv(csv(db, "SELECT typeof(value), value FROM metrics ORDER BY step"));
  EXPECT_EQ(t,
            (Rows{{"typeof(value)", "value"}, {"text", "NaN"}, {"real", "inf"}, {"real", "-inf"}}));
  EXPECT_EQ(single_value(db,
                         "SELECT count(*) FROM metrics WHERE value IS NULL OR "
                         "wall_seconds IS NULL"),
            "0");
  EXPECT_EQ(parse_csv(csv(db,
                          "SELECT typeof(x0), x0, typeof(x1), x1 FROM trajectories "
                          "ORDER BY step")),
            (Rows{{"typeof(x0)", "x0", "typeof(x1)", "x1"},
                  {"text", "NaN", "real", "inf"},
                  {"real", "-inf", "text", "NaN"}}));
  EXPECT_EQ(parse_csv(csv(db, "SELECT typeof(final_loss), final_loss, typeof(lr), lr FROM runs")),
            (Rows{{"typeof(final_loss)", "final_loss", "typeof(lr)", "lr"},
                  {"text", "NaN", "text", "NaN"}}));

  Surface s;
  s.problem_key = "p";
  s.model = "m";
  s.nx = 2;
  s.ny = 1;
  s.values = {kNaN, -kInf};
  s.min_x0 = kNaN;
  db.put_surface(exp, s);
  const auto read = db.surface("exp", "p");
  ASSERT_TRUE(read.has_value());
  EXPECT_TRUE(std::isnan(read->values[0]));
  EXPECT_EQ(read->values[1], -kInf);
  EXPECT_TRUE(std::isnan(read->min_x0));
}

TEST_F(StoreTest, ClaimRunSkipsFinishedAndReclaimsUnfinished) {
  const fs::path f = file("claim.db");
  std::int64_t exp = 0;
  std::int64_t crashed = 0;
  {
    SqliteStore db = SqliteStore::open(f);
    exp = db.upsert_experiment("exp", "", "", "");
    const Claim first = db.claim_run(exp, make_run("done"));
    ASSERT_FALSE(first.already_done);
    db.append_metrics(first.run_id, loss_points(0, 5));
    db.finish_run(first.run_id, RunStatus::Done, "", 1.0, 5, 0.5);
    const Claim again = db.claim_run(exp, make_run("done"));
    EXPECT_TRUE(again.already_done);
    EXPECT_EQ(again.run_id, first.run_id);
    EXPECT_EQ(db.metrics(first.run_id, "loss").size(), 5u) << "a finished run is left alone";
    EXPECT_EQ(db.runs()[0].status, RunStatus::Done);

    // A worker that dies mid-run leaves the run 'running' with partial data.
    crashed = db.claim_run(exp, make_run("crashed")).run_id;
    db.append_metrics(crashed, loss_points(0, 7));
    db.append_trajectory(crashed, std::vector<TrajectoryPoint>{{0, 1.0, 2.0}});
  }
  SqliteStore db = SqliteStore::open(f);
  const Claim reclaimed = db.claim_run(exp, make_run("crashed"));
  EXPECT_FALSE(reclaimed.already_done);
  EXPECT_EQ(reclaimed.run_id, crashed);
  EXPECT_TRUE(db.metrics(crashed, "loss").empty());
  EXPECT_TRUE(db.trajectory(crashed).empty());
  EXPECT_EQ(db.runs()[1].status, RunStatus::Running);

  // Interrupted runs are retried, with their final figures cleared.
  db.append_metrics(crashed, loss_points(0, 3));
  db.finish_run(crashed, RunStatus::Interrupted, "stopped by user", 2.0, 3, 4.0);
  RunRecord relabeled = make_run("crashed");
  relabeled.label = "Adam (new label)";
  EXPECT_FALSE(db.claim_run(exp, relabeled).already_done);
  auto runs = db.runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[1].status, RunStatus::Running);
  EXPECT_EQ(runs[1].label, "Adam (new label)");
  EXPECT_EQ(runs[1].error, "");
  EXPECT_EQ(runs[1].finished, "");
  EXPECT_TRUE(std::isnan(runs[1].final_loss)) << "no final loss yet";
  EXPECT_EQ(runs[1].attempts, 3);  // crashed, reclaimed, interrupted and claimed again
  EXPECT_TRUE(db.metrics(crashed, "loss").empty());

  db.finish_run(crashed, RunStatus::Diverged, "", 1.0, 1, 1.0);
  const Claim again = db.claim_run(exp, make_run("crashed"));
  EXPECT_TRUE(again.already_done);
  EXPECT_EQ(again.run_id, crashed);
  const std::int64_t failed = db.claim_run(exp, make_run("failed")).run_id;
  db.finish_run(failed, RunStatus::Failed, "", 1.0, 1, 1.0);
  EXPECT_TRUE(db.claim_run(exp, make_run("failed")).already_done);

  // The same configuration in another experiment is another run.
  const std::int64_t exp2 = db.upsert_experiment("exp2", "", "", "");
  const Claim elsewhere = db.claim_run(exp2, make_run("done"));
  EXPECT_FALSE(elsewhere.already_done);
  EXPECT_NE(elsewhere.run_id, crashed);
  EXPECT_EQ(db.runs().size(), 4u);
  EXPECT_EQ(db.runs("exp").size(), 3u);
}

TEST_F(StoreTest, WriteErrorsRollBackTheWholeBatch) {
  const fs::path f = file("rollback.db");
  SqliteStore db = SqliteStore::open(f);
  const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
  const std::int64_t id = db.claim_run(exp, make_run("h")).run_id;
  // A batch of two series is written as two chunk rows; failing the second
  // must take the first back too.
  exec_sql(f,
           "CREATE TRIGGER fail_accuracy BEFORE INSERT ON metric_chunks "
           "WHEN NEW.name = 'accuracy' BEGIN SELECT RAISE(ABORT, 'boom at accuracy'); END");
  std::vector<MetricPoint> batch = loss_points(0, 10);
  batch.push_back({9, 0, "test", "accuracy", 0.5, 0.01});
  const std::string message = error_of([&] { db.append_metrics(id, batch); });
  EXPECT_NE(message.find("boom at accuracy"), std::string::npos) << message;
  EXPECT_NE(message.find(f.string()), std::string::npos) << message;
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM metrics"), "0");
  // The connection is usable again: no transaction was left open.
  db.append_metrics(id, loss_points(6, 4));
  EXPECT_EQ(db.metrics(id, "loss").size(), 4u);

  EXPECT_THROW(db.append_metrics(id + 100, loss_points(0, 2)), StoreError);  // foreign key
  EXPECT_THROW(db.finish_run(id + 100, RunStatus::Done, "", 0, 0, 0), StoreError);
  RunRecord bad = make_run("bad-json");
  bad.hyperparams = "{not json";
  EXPECT_THROW(db.claim_run(exp, bad), StoreError);
  Surface s;
  s.problem_key = "p";
  s.nx = 2;
  s.ny = 2;
  s.values = {1.0, 2.0, 3.0};
  EXPECT_THROW(db.put_surface(exp, s), StoreError);
  EXPECT_EQ(db.runs().size(), 1u);
}

TEST_F(StoreTest, QueryCsv) {
  const fs::path f = file("query.db");
  SqliteStore db = SqliteStore::open(f);
  const std::string title = "a, \"quoted\"\nline";
  const std::int64_t exp = db.upsert_experiment("exp", title, "", "");
  const std::int64_t id = db.claim_run(exp, make_run("h")).run_id;
  db.append_metrics(id, loss_points(0, 3));

  const std::string text = csv(db, "SELECT id, name, title FROM experiments ORDER BY id");
  EXPECT_NE(text.find("\"a, \"\"quoted\"\"\nline\""), std::string::npos) << text;
  EXPECT_EQ(parse_csv(text), (Rows{{"id", "name", "title"}, {std::to_string(exp), "exp", title}}));

  const Rows metrics = parse_csv(csv(db, "SELECT step, value FROM metrics ORDER BY step"));
  ASSERT_EQ(metrics.size(), 4u);
  EXPECT_EQ(metrics[0], (std::vector<std::string>{"step", "value"}));
  for (int step = 0; step < 3; ++step) {
    EXPECT_EQ(metrics[step + 1][0], std::to_string(step));
    EXPECT_EQ(std::strtod(metrics[step + 1][1].c_str(), nullptr), 1.0 / (step + 3.0));
  }
  const Rows mixed =
      parse_csv(csv(db, "SELECT 0.1 AS a, 1e300 AS b, NULL AS c, x'00ff' AS d, 'plain' AS e"));
  EXPECT_EQ(mixed, (Rows{{"a", "b", "c", "d", "e"}, {"0.1", "1e+300", "", "00ff", "plain"}}));

  for (const char* write : {
           "INSERT INTO experiments (name, created) VALUES ('x', 'y')",
           "DELETE FROM metrics",
           "DROP TABLE metrics",
           "UPDATE experiments SET title = 'changed'",
           "CREATE TABLE scratch (x)",
           "WITH gone AS (SELECT 1) DELETE FROM runs",
           "PRAGMA user_version = 5",
       }) {
    const std::string message = error_of([&] { csv(db, write); });
    EXPECT_NE(message.find(f.string()), std::string::npos) << write << ": " << message;
  }
  for (const char* two :
       {"SELECT 1; SELECT 2", "SELECT 1; DELETE FROM metrics", "SELECT 1; this is not sql"}) {
    const std::string message = error_of([&] { csv(db, two); });
    EXPECT_NE(message.find("one SQL statement"), std::string::npos) << two << ": " << message;
  }
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM metrics"), "3");
  EXPECT_EQ(db.experiment("exp")->title, title);
  EXPECT_EQ(single_value(db, "PRAGMA user_version"), "0");

  // A trailing semicolon or comment is still one statement.
  EXPECT_EQ(single_value(db, "SELECT 42;  -- the answer\n"), "42");

  const std::string bad = error_of([&] { csv(db, "SELECT * FROM no_such_table"); });
  EXPECT_NE(bad.find(f.string()), std::string::npos) << bad;
  EXPECT_NE(bad.find("no such table"), std::string::npos) << bad;
  EXPECT_THROW(csv(db, "   -- nothing\n"), StoreError);
}

TEST_F(StoreTest, RefusesNonSqliteFileWithoutTouchingIt) {
  for (std::size_t size : {std::size_t{16}, std::size_t{5000}}) {
    const fs::path f = file("garbage-" + std::to_string(size) + ".db");
    {
      std::ofstream out(f, std::ios::binary);
      std::mt19937 gen(static_cast<unsigned>(size));
      for (std::size_t i = 0; i < size; ++i)
        out.put(static_cast<char>(gen() & 0xff));
    }
    const std::string before = read_bytes(f);
    for (SqliteStore::Mode mode : {SqliteStore::Mode::ReadWrite, SqliteStore::Mode::ReadOnly}) {
      const std::string message = error_of([&] { SqliteStore::open(f, mode); });
      EXPECT_NE(message.find(f.string()), std::string::npos) << message;
      EXPECT_NE(message.find("not a SQLite database"), std::string::npos) << message;
    }
    EXPECT_EQ(read_bytes(f), before);
    for (const char* suffix : {"-wal", "-shm", "-journal"})
      EXPECT_FALSE(fs::exists(f.string() + suffix)) << suffix;
  }
}

TEST_F(StoreTest, RefusesForeignDatabaseAndNewerSchema) {
  const fs::path foreign = file("foreign.db");
  exec_sql(foreign, "CREATE TABLE photos (id INTEGER PRIMARY KEY)");
  const std::string before = read_bytes(foreign);
  const std::string message = error_of([&] { SqliteStore::open(foreign); });
  EXPECT_NE(message.find(foreign.string()), std::string::npos) << message;
  EXPECT_NE(message.find("not an optbench results database"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(foreign), before);

  const fs::path newer = file("newer.db");
  SqliteStore::open(newer).upsert_experiment("exp", "", "", "");
  exec_sql(newer, "UPDATE meta SET value = 7 WHERE key = 'schema_version'");
  for (SqliteStore::Mode mode : {SqliteStore::Mode::ReadWrite, SqliteStore::Mode::ReadOnly}) {
    const std::string refused = error_of([&] { SqliteStore::open(newer, mode); });
    EXPECT_NE(refused.find(newer.string()), std::string::npos) << refused;
    EXPECT_NE(refused.find("version 7"), std::string::npos) << refused;
    EXPECT_NE(refused.find("version " + std::to_string(optbench::store::detail::kSchemaVersion)),
              std::string::npos)
        << refused;
  }
}

TEST_F(StoreTest, ReadOnlyMode) {
  const fs::path missing = file("missing.db");
  const std::string message =
      error_of([&] { SqliteStore::open(missing, SqliteStore::Mode::ReadOnly); });
  EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_FALSE(fs::exists(missing.string() + "-wal"));

  const fs::path f = file("ro.db");
  SqliteStore writer = SqliteStore::open(f);
  const std::int64_t exp = writer.upsert_experiment("exp", "T", "", "");
  const std::int64_t id = writer.claim_run(exp, make_run("h")).run_id;
  writer.append_metrics(id, loss_points(0, 4));

  const SqliteStore reader = SqliteStore::open(f, SqliteStore::Mode::ReadOnly);
  EXPECT_EQ(reader.path(), f);
  EXPECT_EQ(reader.experiments().size(), 1u);
  EXPECT_EQ(reader.metrics(id, "loss").size(), 4u);
  EXPECT_EQ(single_value(reader, "SELECT count(*) FROM metrics"), "4");
  writer.append_metrics(id, loss_points(4, 2));  // the reader sees later commits
  EXPECT_EQ(reader.metrics(id, "loss").size(), 6u);

  SqliteStore ro = SqliteStore::open(f, SqliteStore::Mode::ReadOnly);
  const std::string refused = error_of([&] { ro.upsert_experiment("x", "", "", ""); });
  EXPECT_NE(refused.find("read-only"), std::string::npos) << refused;
  EXPECT_THROW(ro.append_metrics(id, loss_points(10, 1)), StoreError);
  EXPECT_THROW(ro.claim_run(exp, make_run("other")), StoreError);
  EXPECT_EQ(writer.metrics(id, "loss").size(), 6u);
}

TEST_F(StoreTest, MovedFromStoreIsSafe) {
  SqliteStore a = SqliteStore::open(file("a.db"));
  a.upsert_experiment("in-a", "", "", "");
  SqliteStore b = std::move(a);
  EXPECT_EQ(b.experiments().size(), 1u);
  EXPECT_THROW(a.experiments(), StoreError);  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW(a.upsert_experiment("x", "", "", ""), StoreError);

  SqliteStore c = SqliteStore::open(file("c.db"));
  c = std::move(b);
  ASSERT_EQ(c.experiments().size(), 1u);
  EXPECT_EQ(c.experiments()[0].name, "in-a");
  EXPECT_EQ(c.path(), file("a.db"));
}

// Each worker thread of the runner has its own SqliteStore on the same file; the
// first ones also race to create it.
TEST_F(StoreTest, ThreadsWriteConcurrently) {
  const fs::path f = file("threads.db");
  constexpr int kThreads = 2;
  constexpr int kBatches = 100;
  constexpr int kPerBatch = 20;
  std::latch start(kThreads + 1);
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::int64_t> run_ids(kThreads);
  std::atomic<int> writers_left = kThreads;

  auto record = [&](const std::string& message) {
    std::lock_guard lock(mutex);
    errors.push_back(message);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        start.arrive_and_wait();
        SqliteStore db = SqliteStore::open(f);
        const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
        const std::int64_t id = db.claim_run(exp, make_run("thread-" + std::to_string(t))).run_id;
        run_ids[static_cast<std::size_t>(t)] = id;
        for (int b = 0; b < kBatches; ++b)
          db.append_metrics(id, loss_points(b * kPerBatch, kPerBatch));
        db.finish_run(id, RunStatus::Done, "", 1.0, kBatches * kPerBatch, 0.0);
      } catch (const std::exception& e) {
        record(e.what());
      }
      --writers_left;
    });
  }
  // A reader polling meanwhile must not be blocked or see an error either.
  threads.emplace_back([&] {
    try {
      start.arrive_and_wait();
      while (!fs::exists(f) && writers_left > 0)
        std::this_thread::yield();
      int reads = 0;
      while (writers_left > 0 || reads == 0) {
        try {
          const SqliteStore db = SqliteStore::open(f, SqliteStore::Mode::ReadOnly);
          for (const RunRecord& r : db.runs())
            db.metrics(r.id, "loss");
          ++reads;
        } catch (const StoreError& e) {
          // The file may exist before its schema does.
          if (std::string(e.what()).find("no meta table") == std::string::npos) throw;
        }
      }
    } catch (const std::exception& e) {
      record(std::string("reader: ") + e.what());
    }
  });
  for (auto& thread : threads)
    thread.join();
  EXPECT_TRUE(errors.empty()) << errors.front();

  const SqliteStore db = SqliteStore::open(f);
  const auto runs = db.runs("exp");
  ASSERT_EQ(runs.size(), static_cast<std::size_t>(kThreads));
  for (std::int64_t id : run_ids) {
    const auto points = db.metrics(id, "loss");
    ASSERT_EQ(points.size(), static_cast<std::size_t>(kBatches * kPerBatch));
    for (std::size_t i = 0; i < points.size(); ++i)
      ASSERT_EQ(points[i].step, static_cast<std::int64_t>(i));
  }
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM metrics"),
            std::to_string(kThreads * kBatches * kPerBatch));
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM runs WHERE status = 'done'"),
            std::to_string(kThreads));
}

// Separate processes creating one new file at the same moment: the second
// must find the first one's schema, not fail on it.
TEST_F(StoreTest, ProcessesCreateTheSameFileConcurrently) {
  const fs::path f = file("processes.db");
  constexpr int kProcesses = 4;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        SqliteStore db = SqliteStore::open(f);
        const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
        const std::int64_t id = db.claim_run(exp, make_run("p" + std::to_string(p))).run_id;
        for (int b = 0; b < 10; ++b)
          db.append_metrics(id, loss_points(b * 50, 50));
      } catch (const std::exception& e) {
        std::cerr << "child " << p << ": " << e.what() << "\n";
        code = 1;
      }
      std::cerr.flush();
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  const SqliteStore db = SqliteStore::open(f, SqliteStore::Mode::ReadOnly);
  EXPECT_EQ(db.runs().size(), static_cast<std::size_t>(kProcesses));
  EXPECT_EQ(single_value(db, "SELECT count(*) FROM metrics"), std::to_string(kProcesses * 500));
  EXPECT_EQ(single_value(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
            std::to_string(optbench::store::detail::kSchemaVersion));
}

}  // namespace
