// What a rank and rank 0 tell each other during a sweep over MPI, as bytes.
// A rank asks for work, gets a run's index (or "stop"), and sends the run's
// history back in batches, then its outcome. Encoding is kept apart from
// MPI so that it is tested on its own and MPI only moves byte buffers.
// Histories travel as the store's own chunk rows (store::HistoryChunk): the
// text the rank's scratch store holds, which rank 0 inserts as it is, so a
// history arrives bit for bit and rank 0 formats no number. Other doubles
// travel as their 8 bytes.
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

/// Rank -> 0: idle, give me a run; or, when `stopped_by` is a signal
/// (SIGINT, SIGTERM) this rank caught, it takes no more runs and the whole
/// sweep stops: rank 0 answers Stop.
struct Ready {
  std::string host;
  int stopped_by = 0;
};
/// 0 -> rank: train run `index` of the grid, whose identity rank 0 computed
/// as `config_hash` (the rank checks that it computes the same).
struct Work {
  std::uint64_t index = 0;
  std::string config_hash;
};
/// 0 -> rank: no more work; the rank ends.
struct Stop {};
/// Rank -> 0: chunks of the run in flight's history, in the order stored.
struct History {
  std::vector<store::HistoryChunk> chunks;
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

using Message = std::variant<Ready, Work, Stop, History, SurfaceSample, Finish>;

Bytes encode(const Message& message);
/// Throws std::runtime_error for a truncated or unknown buffer.
Message decode(const std::byte* data, std::size_t size);
inline Message decode(const Bytes& bytes) {
  return decode(bytes.data(), bytes.size());
}

/// Points per History message (a message holds whole chunks, at least one):
/// large enough that rank 0 writes a transaction per few thousand points,
/// small enough that a long history never needs one huge buffer on either
/// side.
inline constexpr std::size_t kBatchPoints = 16384;

}  // namespace optbench::run::messages
