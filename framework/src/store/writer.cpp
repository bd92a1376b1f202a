#include "store/writer.hpp"

#include <vector>

#include "store/chunks.hpp"

namespace optbench::store {

void Writer::append_chunks(std::int64_t run_id, std::span<const HistoryChunk> chunks) {
  std::vector<MetricPoint> metrics;
  std::vector<TrajectoryPoint> trajectory;
  for (const auto& c : chunks) {
    if (c.trajectory) {
      detail::decode_trajectory_chunk(c.points, trajectory);
    } else {
      detail::decode_metric_chunk(c.points, c.split, c.name, metrics);
    }
  }
  in_one_transaction([&] {
    append_metrics(run_id, metrics);
    append_trajectory(run_id, trajectory);
  });
}

}  // namespace optbench::store
