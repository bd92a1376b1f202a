// Writing and reading the point histories (metrics, trajectories) as chunk
// rows; used by SqliteStore and by the schema migration, inside their transactions.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace optbench::store::detail {

/// Points per chunk row at most: big enough that the per-row cost vanishes
/// (the Recorder flushes this many), small enough that reading one series
/// window does not parse megabytes.
inline constexpr std::size_t kMaxChunkPoints = 8192;

/// Inserts `points` (any mix of series, in the order given) as one chunk per
/// series and per kMaxChunkPoints. The caller holds the transaction.
void write_metric_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                         std::span<const MetricPoint> points);
void write_trajectory_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                             std::span<const TrajectoryPoint> points);

/// One series of one run, in step order (points of equal step in the order
/// they were written).
std::vector<MetricPoint> read_metric_series(sqlite3* db, const std::filesystem::path& file,
                                            std::int64_t run_id, const std::string& name,
                                            const std::string& split);
/// Every metric of one run, ordered by name, split and step.
std::vector<MetricPoint> read_all_metrics(sqlite3* db, const std::filesystem::path& file,
                                          std::int64_t run_id);
std::vector<TrajectoryPoint> read_trajectory(sqlite3* db, const std::filesystem::path& file,
                                             std::int64_t run_id);

/// A run's chunk rows as stored (metric chunks, then trajectory chunks, each
/// in insertion order), text untouched.
std::vector<HistoryChunk> read_history_chunks(sqlite3* db, const std::filesystem::path& file,
                                              std::int64_t run_id);
/// Inserts chunk rows as they are, after a check of their shape that costs
/// no parsing (a count, a step range, text that is one JSON array): a rank
/// of the same build wrote them with the encoders. The caller holds the
/// transaction.
void write_history_chunks(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id,
                          std::span<const HistoryChunk> chunks);

/// Deletes a run's history (before it is trained again).
void clear_history(sqlite3* db, const std::filesystem::path& file, std::int64_t run_id);

}  // namespace optbench::store::detail
