// Point histories (metrics, trajectories) are stored as chunks: one row per
// series per batch, whose `points` column is a JSON array of tuples, e.g.
// [[0,0,2.5,0.0001],[1,0,2.25,0.0002]] for metrics (step, epoch, value,
// wall_seconds) and [[0,3,4],[1,2.9,3.7]] for trajectories (step, x0, x1).
//
// Why not one row per point: an SQLite row costs ~4 us to insert here, which
// made recording a 2-D step 70x dearer than the step itself. A chunk costs
// ~0.1 us per point to format, and the views `metrics` and `trajectories`
// explode the chunks with json_each, so SQL readers still see one row per
// point.
//
// Number text: finite values in the shortest form that reads back to the same
// double (SQLite's JSON reader and std::from_chars both recover it exactly);
// NaN as the JSON string "NaN", so the views yield the TEXT 'NaN' the rest of
// the schema uses; +-infinity as 9e999 / -9e999, which every JSON reader
// (SQLite's included) turns into +-Inf.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "store/records.hpp"

namespace optbench::store::detail {

/// Thrown by the decoders; SqliteStore turns it into a StoreError naming the file.
class ChunkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Appends the JSON text of `points` (all of one series) to `out`.
void encode_metric_chunk(std::span<const MetricPoint* const> points, std::string& out);
void encode_trajectory_chunk(std::span<const TrajectoryPoint> points, std::string& out);

/// Parses a chunk written by the encoders (whitespace between tokens is
/// allowed, so hand-written chunks load too) and appends its points; the
/// metric points get `split` and `name`. Throws ChunkError on malformed text.
void decode_metric_chunk(std::string_view json, const std::string& split, const std::string& name,
                         std::vector<MetricPoint>& out);
void decode_trajectory_chunk(std::string_view json, std::vector<TrajectoryPoint>& out);

}  // namespace optbench::store::detail
