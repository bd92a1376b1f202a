// Point histories stored as JSON chunks (store/chunks.hpp): the codec, the
// SQL views that show one row per point, and the upgrade of version-1 files.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "process_support.hpp"
#include "store/chunks.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace optbench::store;
using optbench::store::detail::ChunkError;
using namespace optbench::testing;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Values that stress the number text: random bit patterns (every exponent,
/// subnormals included), the extremes, signed zero and the non-finite ones.
std::vector<double> hard_values(std::size_t random_count) {
  std::vector<double> v{0.0,
                        -0.0,
                        0.1 + 0.2,
                        1.0 / 3.0,
                        std::numeric_limits<double>::max(),
                        -std::numeric_limits<double>::max(),
                        std::numeric_limits<double>::min(),
                        std::numeric_limits<double>::denorm_min(),
                        -std::numeric_limits<double>::denorm_min(),
                        kInf,
                        -kInf,
                        kNaN};
  std::mt19937_64 bits(42);
  while (v.size() < random_count) {
    const double x = std::bit_cast<double>(bits());
    if (std::isfinite(x)) v.push_back(x);
  }
  return v;
}

/// Same double, with every NaN equal to every other.
bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) ||
         std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

RunRecord run_record() {
  RunRecord r;
  r.config_hash = "h";
  r.optimizer = "adam";
  r.model = "rosenbrock";
  r.lr = 0.1;
  return r;
}

TEST(ChunkCodec, RoundTripsEveryDoubleBitExactly) {
  const std::vector<double> values = hard_values(5000);
  std::vector<MetricPoint> points;
  std::vector<TrajectoryPoint> path;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double w = values[values.size() - 1 - i];
    points.push_back({static_cast<std::int64_t>(i) - 3, static_cast<std::int64_t>(i / 7), "train",
                      "loss", values[i], w});
    path.push_back({static_cast<std::int64_t>(i), values[i], w});
  }
  std::vector<const MetricPoint*> refs;
  for (const auto& p : points)
    refs.push_back(&p);
  std::string json;
  optbench::store::detail::encode_metric_chunk(refs, json);
  std::vector<MetricPoint> back;
  optbench::store::detail::decode_metric_chunk(json, "train", "loss", back);
  ASSERT_EQ(back.size(), points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    EXPECT_EQ(back[i].step, points[i].step);
    EXPECT_EQ(back[i].epoch, points[i].epoch);
    EXPECT_EQ(back[i].name, "loss");
    EXPECT_TRUE(same(back[i].value, points[i].value)) << i << ": " << points[i].value;
    EXPECT_TRUE(same(back[i].wall_seconds, points[i].wall_seconds)) << i;
  }

  json.clear();
  optbench::store::detail::encode_trajectory_chunk(path, json);
  std::vector<TrajectoryPoint> path_back;
  optbench::store::detail::decode_trajectory_chunk(json, path_back);
  ASSERT_EQ(path_back.size(), path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    EXPECT_TRUE(same(path_back[i].x0, path[i].x0)) << i;
    EXPECT_TRUE(same(path_back[i].x1, path[i].x1)) << i;
  }
}

TEST(ChunkCodec, ReadsWhitespaceOverflowAndEmptyChunks) {
  std::vector<TrajectoryPoint> out;
  optbench::store::detail::decode_trajectory_chunk(
      " [ [ 1 , 1e999 , -1e999 ] ,\n[2,1e-999,\"NaN\"] ] ", out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].x0, kInf);
  EXPECT_EQ(out[0].x1, -kInf);
  EXPECT_EQ(out[1].x0, 0.0);
  EXPECT_TRUE(std::isnan(out[1].x1));
  out.clear();
  optbench::store::detail::decode_trajectory_chunk("[]", out);
  EXPECT_TRUE(out.empty());
}

TEST(ChunkCodec, MalformedChunksNameTheByte) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[[1,2,3]", "byte 8: expected ']'"},
      {"[[1,x,3]]", "byte 4: expected a number or \"NaN\""},
      {"[[1.5,2,3]]", "byte 3: expected ','"},
      {"[[1,2,3]] junk", "byte 10: unexpected text after the array"},
      {"", "byte 0: expected '['"},
      {"[[1,\"nan\",3]]", "byte 4: expected a number or \"NaN\""},
  };
  for (const auto& [json, expected] : cases) {
    std::vector<TrajectoryPoint> out;
    try {
      optbench::store::detail::decode_trajectory_chunk(json, out);
      ADD_FAILURE() << "accepted " << json;
    } catch (const ChunkError& e) {
      EXPECT_NE(std::string(e.what()).find(expected), std::string::npos)
          << json << " -> " << e.what();
    }
  }
}

class StoreHistoryTest : public ::testing::Test {
 protected:
  TempDir dir_;

  std::string csv(const SqliteStore& db, const std::string& sql) {
    std::ostringstream out;
    db.query_csv(sql, out);
    return out.str();
  }
};

std::string shortest(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, x).ptr);
}

/// Reports the first differing line only: a diff of 20,000 lines would take
/// GoogleTest minutes to compute.
void expect_same_lines(const std::string& actual, const std::string& expected) {
  std::istringstream a(actual), e(expected);
  std::string line_a, line_e;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_e = static_cast<bool>(std::getline(e, line_e));
    if (!more_a && !more_e) return;
    if (more_a != more_e || line_a != line_e) {
      ADD_FAILURE() << "line " << line << ": got '" << line_a << "', expected '" << line_e << "'";
      return;
    }
  }
}

// The views are what SQL users (sqlite3 shell, pandas) see: they must give
// the very doubles that were stored, across chunk boundaries.
TEST_F(StoreHistoryTest, ViewsShowEveryPointBitExactly) {
  SqliteStore db = SqliteStore::open(dir_ / "h.db");
  const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
  const std::int64_t run = db.claim_run(exp, run_record()).run_id;
  const std::vector<double> values = hard_values(20000);
  std::vector<MetricPoint> points;
  std::vector<TrajectoryPoint> path;
  for (std::size_t i = 0; i < values.size(); ++i) {
    // -0.0 reads back from SQL as 0 (SQLite drops the sign of zero).
    const double v = values[i] == 0.0 ? 0.0 : values[i];
    points.push_back({static_cast<std::int64_t>(i), 0, "train", "loss", v, 1e-6 * double(i)});
    path.push_back({static_cast<std::int64_t>(i), v, v == 0.0 ? 0.0 : -v});
  }
  db.append_metrics(run, points);  // 20000 points: three chunks
  db.append_trajectory(run, path);
  EXPECT_EQ(csv(db, "SELECT count(*), min(first_step), max(last_step) FROM metric_chunks"),
            "count(*),min(first_step),max(last_step)\n3,0,19999\n");

  std::string metric_rows = "step,value\n";
  std::string path_rows = "step,x0,x1\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    metric_rows += std::to_string(i) + "," + shortest(points[i].value) + "\n";
    path_rows += std::to_string(i) + "," + shortest(path[i].x0) + "," + shortest(path[i].x1) + "\n";
  }
  expect_same_lines(csv(db, "SELECT step, value FROM metrics ORDER BY step"), metric_rows);
  expect_same_lines(csv(db, "SELECT step, x0, x1 FROM trajectories ORDER BY step"), path_rows);
  EXPECT_EQ(csv(db, "SELECT typeof(value) FROM metrics WHERE step = 11"), "typeof(value)\ntext\n");
  EXPECT_EQ(csv(db, "SELECT typeof(value), value > 0 FROM metrics WHERE step = 9"),
            "typeof(value),value > 0\nreal,1\n");

  const auto read = db.metrics(run, "loss");
  ASSERT_EQ(read.size(), points.size());
  for (std::size_t i = 0; i < read.size(); ++i)
    ASSERT_TRUE(same(read[i].value, points[i].value)) << i;
}

TEST_F(StoreHistoryTest, InterleavedSeriesComeBackSeparatelyInStepOrder) {
  SqliteStore db = SqliteStore::open(dir_ / "h.db");
  const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
  const std::int64_t run = db.claim_run(exp, run_record()).run_id;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<MetricPoint> batch;
    for (int k = 0; k < 5; ++k) {
      const int step = epoch * 5 + k;
      batch.push_back({step, epoch, "train", "loss", 10.0 - step, 0.1 * step});
    }
    batch.push_back({epoch * 5 + 4, epoch, "test", "loss", 20.0 - epoch, 0.5});
    batch.push_back({epoch * 5 + 4, epoch, "test", "accuracy", 0.5 + 0.1 * epoch, 0.5});
    db.append_metrics(run, batch);
  }
  const auto train = db.metrics(run, "loss", "train");
  ASSERT_EQ(train.size(), 15u);
  for (std::size_t i = 0; i < train.size(); ++i) {
    EXPECT_EQ(train[i].step, static_cast<std::int64_t>(i));
    EXPECT_EQ(train[i].value, 10.0 - static_cast<double>(i));
  }
  const auto accuracy = db.metrics(run, "accuracy", "test");
  ASSERT_EQ(accuracy.size(), 3u);
  EXPECT_EQ(accuracy[2].step, 14);
  EXPECT_DOUBLE_EQ(accuracy[2].value, 0.7);
  EXPECT_EQ(db.metrics(run, "loss", "test").size(), 3u);
  EXPECT_EQ(csv(db, "SELECT count(*) FROM metric_points WHERE metric = 'accuracy'"),
            "count(*)\n3\n");
}

// Over MPI a rank's scratch store hands its chunk rows to rank 0's store as
// they are: the second file then holds the very rows, text and all, and
// reads back the same doubles. A chunk of the wrong shape is refused
// before anything of the batch is stored.
TEST_F(StoreHistoryTest, ChunksCopiedBetweenStoresKeepEveryByte) {
  SqliteStore scratch = SqliteStore::open(dir_ / "scratch.db");
  const std::int64_t run =
      scratch.claim_run(scratch.upsert_experiment("exp", "", "", ""), run_record()).run_id;
  const std::vector<double> values = hard_values(9000);
  std::vector<MetricPoint> points;
  std::vector<TrajectoryPoint> path;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto step = static_cast<std::int64_t>(i);
    points.push_back(
        {step, step / 100, i % 3 ? "train" : "test", "loss", values[i], 1e-3 * double(i)});
    path.push_back({step, values[i], -values[i]});
  }
  scratch.append_metrics(run, points);
  scratch.append_trajectory(run, path);
  const auto chunks = scratch.history_chunks(run);
  // train (6,000 points) and test (3,000), a chunk each, then the 9,000
  // points of the trajectory in two.
  ASSERT_EQ(chunks.size(), 4u);
  EXPECT_FALSE(chunks[0].trajectory);
  EXPECT_TRUE(chunks[3].trajectory);

  SqliteStore results = SqliteStore::open(dir_ / "results.db");
  const std::int64_t copy =
      results.claim_run(results.upsert_experiment("exp", "", "", ""), run_record()).run_id;
  results.append_chunks(copy, chunks);
  const char* rows =
      "SELECT split, name, first_step, last_step, count, points FROM metric_chunks ORDER BY id";
  EXPECT_EQ(csv(results, rows), csv(scratch, rows));
  const char* path_rows =
      "SELECT first_step, last_step, count, points FROM trajectory_chunks ORDER BY id";
  EXPECT_EQ(csv(results, path_rows), csv(scratch, path_rows));
  const auto read = results.all_metrics(copy);
  const auto expected = scratch.all_metrics(run);
  ASSERT_EQ(read.size(), expected.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    ASSERT_EQ(read[i].step, expected[i].step) << i;
    ASSERT_TRUE(same(read[i].value, expected[i].value)) << i;
  }
  const auto trajectory = results.trajectory(copy);
  ASSERT_EQ(trajectory.size(), path.size());
  for (std::size_t i = 0; i < path.size(); ++i)
    ASSERT_TRUE(same(trajectory[i].x1, path[i].x1)) << i;

  auto bad = chunks;
  bad.back().points = "not a chunk";
  try {
    results.append_chunks(copy, bad);
    ADD_FAILURE() << "a malformed chunk was stored";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("chunk 3 is not a chunk of points"), std::string::npos)
        << e.what();
  }
  bad = chunks;
  bad.front().count = 0;
  EXPECT_THROW(results.append_chunks(copy, bad), StoreError);
  EXPECT_EQ(results.all_metrics(copy).size(), expected.size()) << "a refused batch left rows";
}

TEST_F(StoreHistoryTest, DamagedChunkIsReportedWithFileAndChunk) {
  const fs::path file = dir_ / "h.db";
  {
    SqliteStore db = SqliteStore::open(file);
    const std::int64_t exp = db.upsert_experiment("exp", "", "", "");
    db.claim_run(exp, run_record());
  }
  exec_sql(file,
           "INSERT INTO metric_chunks (id, run_id, split, name, first_step, "
           "last_step, count, points) VALUES (77, 1, 'train', 'loss', 0, 1, 2, "
           "'[[0,0,1,0],[1,0,oops,0]]')");
  const SqliteStore db = SqliteStore::open(file, SqliteStore::Mode::ReadOnly);
  try {
    db.metrics(1, "loss");
    ADD_FAILURE() << "damaged chunk was read";
  } catch (const StoreError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("chunk 77"), std::string::npos) << message;
    EXPECT_NE(message.find("byte 16"), std::string::npos) << message;
  }
}

// A file written by schema version 1 (one row per point) is upgraded in
// place on open, keeping every value bit for bit; read-only openers upgrade
// it too, since they could not read it otherwise.
TEST_F(StoreHistoryTest, UpgradesVersionOneFiles) {
  const std::string v1_sql = optbench::testing::read_file(fs::path(OPTBENCH_TEST_SOURCE_DIR) /
                                                          "tests/fixtures/db/schema_v1.sql");
  const std::vector<double> values = hard_values(300);
  for (const SqliteStore::Mode mode : {SqliteStore::Mode::ReadWrite, SqliteStore::Mode::ReadOnly}) {
    const fs::path file = dir_ / (mode == SqliteStore::Mode::ReadOnly ? "ro.db" : "rw.db");
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(file.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, v1_sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(raw);
    ASSERT_EQ(sqlite3_exec(raw,
                           "INSERT INTO experiments (id, name, created) VALUES (1, 'old', 'x');"
                           "INSERT INTO runs (id, experiment_id, config_hash, optimizer, lr, "
                           "status) VALUES (1, 1, 'a', 'sgd', 0.1, 'done'), "
                           "(2, 1, 'b', 'adam', 0.1, 'done');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(raw);
    sqlite3_stmt* metric = nullptr;
    sqlite3_stmt* point = nullptr;
    sqlite3_prepare_v2(raw,
                       "INSERT INTO metrics (run_id, step, epoch, split, name, value, "
                       "wall_seconds) VALUES (?1, ?2, 0, 'train', 'loss', ?3, 0.5)",
                       -1, &metric, nullptr);
    sqlite3_prepare_v2(raw, "INSERT INTO trajectories (run_id, step, x0, x1) VALUES (2, ?1, ?2, 1)",
                       -1, &point, nullptr);
    sqlite3_exec(raw, "BEGIN", nullptr, nullptr, nullptr);
    // Written in reverse step order: the upgrade must sort them.
    for (std::size_t i = values.size(); i-- > 0;) {
      const double v = values[i] == 0.0 ? 0.0 : values[i];
      for (sqlite3_stmt* s : {metric, point})
        sqlite3_reset(s);
      sqlite3_bind_int(metric, 1, 1 + static_cast<int>(i % 2));
      sqlite3_bind_int64(metric, 2, static_cast<std::int64_t>(i));
      if (std::isnan(v))
        sqlite3_bind_text(metric, 3, "NaN", -1, SQLITE_STATIC);
      else
        sqlite3_bind_double(metric, 3, v);
      sqlite3_bind_int64(point, 1, static_cast<std::int64_t>(i));
      if (std::isnan(v))
        sqlite3_bind_text(point, 2, "NaN", -1, SQLITE_STATIC);
      else
        sqlite3_bind_double(point, 2, v);
      ASSERT_EQ(sqlite3_step(metric), SQLITE_DONE) << sqlite3_errmsg(raw);
      ASSERT_EQ(sqlite3_step(point), SQLITE_DONE) << sqlite3_errmsg(raw);
    }
    sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_finalize(metric);
    sqlite3_finalize(point);
    sqlite3_close(raw);

    const SqliteStore db = SqliteStore::open(file, mode);
    EXPECT_EQ(csv(db, "SELECT value FROM meta WHERE key = 'schema_version'"),
              "value\n" + std::to_string(optbench::store::detail::kSchemaVersion) + "\n");
    EXPECT_EQ(csv(db,
                  "SELECT count(*) FROM sqlite_master WHERE name IN ('metrics_v1', "
                  "'trajectories_v1') OR (name IN ('metrics', 'trajectories') AND type = 'table')"),
              "count(*)\n0\n");
    EXPECT_EQ(csv(db, "SELECT count(*) FROM metric_points WHERE experiment = 'old'"),
              "count(*)\n300\n");
    const auto odd = db.metrics(2, "loss");
    const auto path = db.trajectory(2);
    ASSERT_EQ(odd.size(), 150u);
    ASSERT_EQ(path.size(), 300u);
    for (std::size_t k = 0; k < odd.size(); ++k) {
      const std::size_t i = 2 * k + 1;
      const double v = values[i] == 0.0 ? 0.0 : values[i];
      EXPECT_EQ(odd[k].step, static_cast<std::int64_t>(i));
      EXPECT_TRUE(same(odd[k].value, v)) << i;
      EXPECT_EQ(odd[k].wall_seconds, 0.5);
    }
    for (std::size_t i = 0; i < path.size(); ++i) {
      const double v = values[i] == 0.0 ? 0.0 : values[i];
      EXPECT_EQ(path[i].step, static_cast<std::int64_t>(i));
      EXPECT_TRUE(same(path[i].x0, v)) << i;
    }
  }
}

}  // namespace
