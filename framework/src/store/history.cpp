#include "store/history.hpp"

#include <algorithm>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "store/chunks.hpp"
#include "store/statement.hpp"

namespace optbench::store::detail {
namespace {

std::int64_t step_of(const MetricPoint* p) {
  return p->step;
}
std::int64_t step_of(const TrajectoryPoint& p) {
  return p.step;
}

/// Inserts `points` (one series) as chunks of at most kMaxChunkPoints rows
/// through `insert`, whose parameters from `first` on are first_step,
/// last_step, count and points; the ones before are bound by the caller.
template <typename Element>
void insert_chunks(Statement& insert, int first,
                   std::span<const std::type_identity_t<Element>> points,
                   void (*encode)(std::span<const Element>, std::string&)) {
  std::string json;
  for (std::size_t begin = 0; begin < points.size(); begin += kMaxChunkPoints) {
    const auto chunk = points.subspan(begin, std::min(kMaxChunkPoints, points.size() - begin));
    const auto [lo, hi] =
        std::minmax_element(chunk.begin(), chunk.end(),
                            [](const auto& a, const auto& b) { return step_of(a) < step_of(b); });
    json.clear();
    encode(chunk, json);
    insert.bind_int(first, step_of(*lo));
    insert.bind_int(first + 1, step_of(*hi));
    insert.bind_int(first + 2, static_cast<std::int64_t>(chunk.size()));
    insert.bind_text_in_place(first + 3, json);
    insert.run();
  }
}

/// Runs `sql`, a SELECT over one run's chunks whose column 0 is the chunk id
/// (?1 is `run_id`, ?2... are `keys`), has `decode(row, out)` append each
/// row's points, and returns them stably sorted by `less`. A damaged chunk is
/// reported with the file, `what` and the chunk.
template <typename Point, typename Decode, typename Less>
std::vector<Point> read_chunks(sqlite3* db, const std::filesystem::path& file,
                               const std::string& what, const char* sql, std::int64_t run_id,
                               std::initializer_list<std::string_view> keys, Decode decode,
                               Less less) {
  Statement s(db, file, sql, what);
  s.bind_int(1, run_id);
  int index = 2;
  for (std::string_view key : keys)
    s.bind_text(index++, key);
  std::vector<Point> out;
  while (s.step()) {
    try {
      decode(s, out);
    } catch (const ChunkError& e) {
      fail_plain(file, what + ": chunk " + std::to_string(s.column_int(0)) + ": " + e.what());
    }
  }
  // Chunks come in their series' first_step order and each is in step order,
  // so this is almost always already true; stable keeps equal steps in
  // written order.
  if (!std::is_sorted(out.begin(), out.end(), less)) std::stable_sort(out.begin(), out.end(), less);
  return out;
}

constexpr auto by_step = [](const auto& a, const auto& b) { return a.step < b.step; };

// The two chunk inserts, shared by appends of points and copies of chunks.
constexpr const char* kInsertMetricChunk =
    "INSERT INTO metric_chunks (run_id, split, name, first_step, last_step, count, points) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char* kInsertTrajectoryChunk =
    "INSERT INTO trajectory_chunks (run_id, first_step, last_step, count, points) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";

}  // namespace

void write_metric_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                         std::span<const MetricPoint> points) {
  const std::string what = "appending metrics of run " + std::to_string(run_id);
  // Group by series keeping each series' order; a batch holds a handful of
  // series, so a linear scan over them is cheapest.
  std::vector<std::pair<const MetricPoint*, std::vector<const MetricPoint*>>> series;
  for (const MetricPoint& p : points) {
    auto it = std::find_if(series.begin(), series.end(), [&](const auto& s) {
      return s.first->name == p.name && s.first->split == p.split;
    });
    if (it == series.end()) {
      series.push_back({&p, {}});
      it = series.end() - 1;
    }
    it->second.push_back(&p);
  }
  Statement insert(db, file, kInsertMetricChunk, what);
  insert.bind_int(1, run_id);
  for (const auto& [key, members] : series) {
    insert.bind_text(2, key->split);
    insert.bind_text(3, key->name);
    insert_chunks(insert, 4, members, encode_metric_chunk);
  }
}

void write_trajectory_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                             std::span<const TrajectoryPoint> points) {
  const std::string what = "appending trajectory of run " + std::to_string(run_id);
  Statement insert(db, file, kInsertTrajectoryChunk, what);
  insert.bind_int(1, run_id);
  insert_chunks(insert, 2, points, encode_trajectory_chunk);
}

std::vector<MetricPoint> read_metric_series(sqlite3* db, const std::filesystem::path& file,
                                            std::int64_t run_id, const std::string& name,
                                            const std::string& split) {
  return read_chunks<MetricPoint>(
      db, file, "reading metric '" + name + "' of run " + std::to_string(run_id),
      "SELECT id, points FROM metric_chunks WHERE run_id = ?1 AND name = ?2 AND "
      "split = ?3 ORDER BY first_step, id",
      run_id, {name, split},
      [&](const Statement& row, std::vector<MetricPoint>& out) {
        decode_metric_chunk(row.column_text(1), split, name, out);
      },
      by_step);
}

std::vector<MetricPoint> read_all_metrics(sqlite3* db, const std::filesystem::path& file,
                                          std::int64_t run_id) {
  // Series come in (name, split) order already; within one, chunks may
  // overlap in steps only if written so, which the stable sort keeps.
  return read_chunks<MetricPoint>(
      db, file, "reading the metrics of run " + std::to_string(run_id),
      "SELECT id, split, name, points FROM metric_chunks WHERE run_id = ?1 "
      "ORDER BY name, split, first_step, id",
      run_id, {},
      [](const Statement& row, std::vector<MetricPoint>& out) {
        decode_metric_chunk(row.column_text(3), row.column_text(1), row.column_text(2), out);
      },
      [](const MetricPoint& a, const MetricPoint& b) {
        return std::tie(a.name, a.split, a.step) < std::tie(b.name, b.split, b.step);
      });
}

std::vector<TrajectoryPoint> read_trajectory(sqlite3* db, const std::filesystem::path& file,
                                             std::int64_t run_id) {
  return read_chunks<TrajectoryPoint>(
      db, file, "reading trajectory of run " + std::to_string(run_id),
      "SELECT id, points FROM trajectory_chunks WHERE run_id = ?1 ORDER BY first_step, id", run_id,
      {},
      [](const Statement& row, std::vector<TrajectoryPoint>& out) {
        decode_trajectory_chunk(row.column_text(1), out);
      },
      by_step);
}

std::vector<HistoryChunk> read_history_chunks(sqlite3* db, const std::filesystem::path& file,
                                              std::int64_t run_id) {
  const std::string what = "reading the history chunks of run " + std::to_string(run_id);
  std::vector<HistoryChunk> out;
  Statement metrics(db, file,
                    "SELECT split, name, first_step, last_step, count, points FROM metric_chunks "
                    "WHERE run_id = ?1 ORDER BY id",
                    what);
  metrics.bind_int(1, run_id);
  while (metrics.step()) {
    out.push_back({false, metrics.column_text(0), metrics.column_text(1), metrics.column_int(2),
                   metrics.column_int(3), metrics.column_int(4), metrics.column_text(5)});
  }
  Statement trajectory(db, file,
                       "SELECT first_step, last_step, count, points FROM trajectory_chunks "
                       "WHERE run_id = ?1 ORDER BY id",
                       what);
  trajectory.bind_int(1, run_id);
  while (trajectory.step()) {
    out.push_back({true, "", "", trajectory.column_int(0), trajectory.column_int(1),
                   trajectory.column_int(2), trajectory.column_text(3)});
  }
  return out;
}

void write_history_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                          std::span<const HistoryChunk> chunks) {
  const std::string what = "appending history chunks of run " + std::to_string(run_id);
  Statement metric(db, file, kInsertMetricChunk, what);
  Statement trajectory(db, file, kInsertTrajectoryChunk, what);
  metric.bind_int(1, run_id);
  trajectory.bind_int(1, run_id);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const auto& c = chunks[i];
    const bool shaped = c.count > 0 && c.first_step <= c.last_step && c.points.size() >= 4 &&
                        c.points.front() == '[' && c.points[1] == '[' && c.points.back() == ']' &&
                        (c.trajectory || (!c.split.empty() && !c.name.empty()));
    if (!shaped)
      fail_plain(file, what + ": chunk " + std::to_string(i) +
                           " is not a chunk of points (count, steps or text malformed)");
    Statement& insert = c.trajectory ? trajectory : metric;
    int at = 2;
    if (!c.trajectory) {
      insert.bind_text(at++, c.split);
      insert.bind_text(at++, c.name);
    }
    insert.bind_int(at++, c.first_step);
    insert.bind_int(at++, c.last_step);
    insert.bind_int(at++, c.count);
    insert.bind_text_in_place(at, c.points);
    insert.run();
  }
}

void clear_history(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id) {
  const std::string what = "clearing the history of run " + std::to_string(run_id);
  for (const char* sql : {"DELETE FROM metric_chunks WHERE run_id = ?1",
                          "DELETE FROM trajectory_chunks WHERE run_id = ?1"}) {
    Statement s(db, file, sql, what);
    s.bind_int(1, run_id);
    s.run();
  }
}

}  // namespace optbench::store::detail
