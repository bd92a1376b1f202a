// Runs trained one after another over one store connection, with the writes
// of short runs committed together. Used by each thread of the thread
// scheduler and by each worker process (and by any other place that trains
// a stream of claimed runs, such as a rank of a distributed scheduler).
//
// A run's writes are held back when the run before it on this connection
// took less than kShortRun; they are committed when the caller asks
// (commit_due() says when it should), before a run whose predecessor was
// long, and at the end. Long runs therefore write through as before: their
// history is stored epoch by epoch and their outcome at once. A run's
// outcome is known to the caller only once its writes are committed: that
// is when train() or commit() returns its report.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "run/batched_writer.hpp"
#include "run/execute.hpp"

namespace optbench::run {

/// A run is short below this: a process spawn, a commit or a progress line
/// would cost it a noticeable share.
inline constexpr std::chrono::milliseconds kShortRun{20};
/// Held writes are committed once the oldest is this old, so that a batch
/// holds the store's write lock briefly and outcomes show up promptly.
inline constexpr std::chrono::milliseconds kBatchWindow{50};

/// What became of one run given to RunBatch::train, once settled.
struct RunReport {
  enum class End {
    Stored,         ///< its outcome is in the store (`outcome`)
    TakenOver,      ///< the store refused its writes; `why` says why
    StorageFailed,  ///< the store failed; nothing of it after its claim is kept
  };
  std::size_t tag = 0;  ///< the caller's number for it
  std::int64_t run_id = 0;
  End end = End::Stored;
  Outcome outcome;
  std::string why;
};

class RunBatch {
 public:
  explicit RunBatch(store::Writer& store) : writer_(store) {}

  /// Trains claimed run `run_id` (execute_run). Returns the reports that are
  /// settled now: this run's when it wrote through, and those of earlier
  /// held runs committed first. Does not throw for a store failure: the
  /// runs concerned come back StorageFailed, and the caller should stop.
  std::vector<RunReport> train(std::size_t tag, const RunContext& context,
                               const experiment::RunSpec& run, std::int64_t run_id,
                               const EpochCallback& on_epoch);
  /// Stores claimed run `run_id` as failed with `why` without training it
  /// (it could not be built), in the same order as trained runs.
  std::vector<RunReport> fail(std::size_t tag, std::int64_t run_id, const std::string& why);
  /// Whether held writes have waited kBatchWindow and should be committed
  /// now rather than after the next run.
  bool commit_due() const;
  /// Whether any trained run waits for its writes to be committed.
  bool pending() const { return !held_.empty(); }
  /// Commits what is held, as one transaction, and returns the reports of
  /// the runs concerned, in the order they were trained.
  std::vector<RunReport> commit();

 private:
  BatchedWriter writer_;
  std::vector<RunReport> held_;  ///< trained, writes not committed yet
  bool last_short_ = false;
};

}  // namespace optbench::run
