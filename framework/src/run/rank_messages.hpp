// What a rank and rank 0 tell each other during a sweep over MPI, as bytes.
// A rank asks for work, gets a run's index (or "stop"), and sends the run's
// history back in batches, then its outcome. Encoding is kept apart from
// MPI so that it is tested on its own and MPI only moves byte buffers.
// Doubles travel as their 8 bytes: a history arrives bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "store/records.hpp"

namespace optbench::run::messages {

using Bytes = std::vector<std::byte>;

/// Rank -> 0: idle, give me a run.
struct Ready {
  std::string host;
};
/// 0 -> rank: train run `index` of the grid, whose identity rank 0 computed
/// as `config_hash` (the rank checks that it computes the same).
struct Work {
  std::uint64_t index = 0;
  std::string config_hash;
};
/// 0 -> rank: no more work; the rank ends.
struct Stop {};
/// Rank -> 0: points of the run in flight, in the order recorded.
struct Metrics {
  std::vector<store::MetricPoint> points;
};
struct Trajectory {
  std::vector<store::TrajectoryPoint> points;
};
/// Rank -> 0: a 2-D problem's sampled surface, sent once per problem.
struct SurfaceSample {
  store::Surface surface;
};
/// Rank -> 0: the run in flight ended with this outcome, trained on `host`
/// by `rank`.
struct Finish {
  store::RunResult result;
  std::string host;
  int rank = 0;
};

using Message = std::variant<Ready, Work, Stop, Metrics, Trajectory, SurfaceSample, Finish>;

Bytes encode(const Message& message);
/// Throws std::runtime_error for a truncated or unknown buffer.
Message decode(const std::byte* data, std::size_t size);
inline Message decode(const Bytes& bytes) {
  return decode(bytes.data(), bytes.size());
}

/// Points per Metrics or Trajectory message: large enough that rank 0
/// writes a transaction per few thousand points, small enough that a long
/// history never needs one huge buffer on either side.
inline constexpr std::size_t kBatchPoints = 16384;

}  // namespace optbench::run::messages
