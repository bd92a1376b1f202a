// Buffers a run's history and writes it to the store in batches, so that one
// transaction carries thousands of points instead of one each.
#pragma once

#include <cstdint>
#include <vector>

#include "store/writer.hpp"

namespace optbench::run {

class Recorder {
 public:
  /// `flush_at`: points buffered before a write.
  Recorder(store::Writer& db, std::int64_t run_id, std::size_t flush_at = 8192);
  void metric(std::int64_t step, std::int64_t epoch, const char* split, const char* name,
              double value, double wall_seconds);
  void position(std::int64_t step, double x0, double x1);
  /// Writes what is buffered (each kind in its own transaction).
  void flush();

 private:
  store::Writer& db_;
  std::int64_t run_id_;
  std::size_t flush_at_;
  std::vector<store::MetricPoint> metrics_;
  std::vector<store::TrajectoryPoint> trajectory_;
};

}  // namespace optbench::run
