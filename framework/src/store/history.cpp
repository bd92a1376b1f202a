#include "store/history.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include "store/chunks.hpp"
#include "store/statement.hpp"

namespace optbench::store::detail {
namespace {

template <typename Point>
void sort_by_step(std::vector<Point>& points) {
  const auto by_step = [](const Point& a, const Point& b) { return a.step < b.step; };
  // Chunks come in first_step order and each is in step order, so this is
  // almost always already true; stable keeps equal steps in written order.
  if (!std::is_sorted(points.begin(), points.end(), by_step))
    std::stable_sort(points.begin(), points.end(), by_step);
}

[[noreturn]] void fail_chunk(const std::filesystem::path& file, const std::string& what,
                             std::int64_t chunk_id, const ChunkError& e) {
  fail_plain(file, what + ": chunk " + std::to_string(chunk_id) + ": " + e.what());
}

/// Runs `decode(s)` on every row of `s`, whose column 0 is the chunk id, so
/// a damaged chunk is reported with the file, the read and the chunk.
template <typename Decode>
void decode_rows(Statement& s, const std::filesystem::path& file, const std::string& what,
                 Decode decode) {
  while (s.step()) {
    try {
      decode(s);
    } catch (const ChunkError& e) {
      fail_chunk(file, what, s.column_int(0), e);
    }
  }
}

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
  Statement insert(db, file,
                   "INSERT INTO metric_chunks (run_id, split, name, first_step, last_step, "
                   "count, points) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   what);
  insert.bind_int(1, run_id);
  std::string json;
  for (const auto& [key, members] : series) {
    insert.bind_text(2, key->split);
    insert.bind_text(3, key->name);
    for (std::size_t begin = 0; begin < members.size(); begin += kMaxChunkPoints) {
      const std::span<const MetricPoint* const> chunk(
          members.data() + begin, std::min(kMaxChunkPoints, members.size() - begin));
      const auto [lo, hi] =
          std::minmax_element(chunk.begin(), chunk.end(),
                              [](const auto* a, const auto* b) { return a->step < b->step; });
      json.clear();
      encode_metric_chunk(chunk, json);
      insert.bind_int(4, (*lo)->step);
      insert.bind_int(5, (*hi)->step);
      insert.bind_int(6, static_cast<std::int64_t>(chunk.size()));
      insert.bind_text(7, json);
      insert.run();
    }
  }
}

void write_trajectory_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                             std::span<const TrajectoryPoint> points) {
  const std::string what = "appending trajectory of run " + std::to_string(run_id);
  Statement insert(db, file,
                   "INSERT INTO trajectory_chunks (run_id, first_step, last_step, count, points) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)",
                   what);
  insert.bind_int(1, run_id);
  std::string json;
  for (std::size_t begin = 0; begin < points.size(); begin += kMaxChunkPoints) {
    const auto chunk = points.subspan(begin, std::min(kMaxChunkPoints, points.size() - begin));
    const auto [lo, hi] = std::minmax_element(
        chunk.begin(), chunk.end(), [](const auto& a, const auto& b) { return a.step < b.step; });
    json.clear();
    encode_trajectory_chunk(chunk, json);
    insert.bind_int(2, lo->step);
    insert.bind_int(3, hi->step);
    insert.bind_int(4, static_cast<std::int64_t>(chunk.size()));
    insert.bind_text(5, json);
    insert.run();
  }
}

std::vector<MetricPoint> read_metric_series(sqlite3* db, const std::filesystem::path& file,
                                            std::int64_t run_id, const std::string& name,
                                            const std::string& split) {
  const std::string what = "reading metric '" + name + "' of run " + std::to_string(run_id);
  Statement s(db, file,
              "SELECT id, points FROM metric_chunks WHERE run_id = ?1 AND name = ?2 AND "
              "split = ?3 ORDER BY first_step, id",
              what);
  s.bind_int(1, run_id);
  s.bind_text(2, name);
  s.bind_text(3, split);
  std::vector<MetricPoint> out;
  decode_rows(s, file, what, [&](const Statement& row) {
    decode_metric_chunk(row.column_text(1), split, name, out);
  });
  sort_by_step(out);
  return out;
}

std::vector<MetricPoint> read_all_metrics(sqlite3* db, const std::filesystem::path& file,
                                          std::int64_t run_id) {
  const std::string what = "reading the metrics of run " + std::to_string(run_id);
  Statement s(db, file,
              "SELECT id, split, name, points FROM metric_chunks WHERE run_id = ?1 "
              "ORDER BY name, split, first_step, id",
              what);
  s.bind_int(1, run_id);
  std::vector<MetricPoint> out;
  decode_rows(s, file, what, [&](const Statement& row) {
    decode_metric_chunk(row.column_text(3), row.column_text(1), row.column_text(2), out);
  });
  // Series come in (name, split) order already; within one, chunks may
  // overlap in steps only if written so, which the stable sort keeps.
  std::stable_sort(out.begin(), out.end(), [](const MetricPoint& a, const MetricPoint& b) {
    return std::tie(a.name, a.split, a.step) < std::tie(b.name, b.split, b.step);
  });
  return out;
}

std::vector<TrajectoryPoint> read_trajectory(sqlite3* db, const std::filesystem::path& file,
                                             std::int64_t run_id) {
  const std::string what = "reading trajectory of run " + std::to_string(run_id);
  Statement s(db, file,
              "SELECT id, points FROM trajectory_chunks WHERE run_id = ?1 ORDER BY first_step, id",
              what);
  s.bind_int(1, run_id);
  std::vector<TrajectoryPoint> out;
  decode_rows(s, file, what,
              [&](const Statement& row) { decode_trajectory_chunk(row.column_text(1), out); });
  sort_by_step(out);
  return out;
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
