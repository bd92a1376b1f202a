// A sweep's runs claimed from the store a batch at a time, in grid order:
// one transaction claims as many runs as the schedulers will start in the
// next moments instead of one transaction per run. Runs claimed and never
// handed out (the sweep stopped) are given back at the end.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "run/scheduler.hpp"
#include "store/writer.hpp"

namespace optbench::run {

struct ClaimedRun {
  std::size_t index = 0;  ///< in the sweep's grid
  std::int64_t run_id = 0;
};

class ClaimQueue {
 public:
  /// Claims through `db`, which must outlive the queue. Safe from several
  /// threads.
  ClaimQueue(const Sweep& sweep, store::Writer& db) : sweep_(sweep), db_(db) {}

  /// The next claimed run. When none is waiting, claims up to `batch` more
  /// grid runs in one transaction first; those finished earlier or being
  /// run by another live process are reported to the sweep log and
  /// skipped. nullopt when the grid is exhausted. Throws store::StoreError.
  std::optional<ClaimedRun> next(std::size_t batch);
  /// Puts back a claimed run that was handed out and not started (its
  /// worker ended first); next() returns it before any other.
  void put_back(const ClaimedRun& run);
  /// Gives back to the store every claimed run not handed out again
  /// (store::Writer::release_runs). Best effort: the store may be the thing
  /// that failed, and then the next invocation finds these runs' owner gone.
  void release();

 private:
  const Sweep& sweep_;
  store::Writer& db_;
  std::mutex mutex_;
  std::deque<ClaimedRun> waiting_;
  std::size_t next_index_ = 0;  ///< the first grid run not claimed yet
};

}  // namespace optbench::run
