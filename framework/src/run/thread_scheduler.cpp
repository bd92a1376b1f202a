#include "run/thread_scheduler.hpp"

#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "run/claim_queue.hpp"
#include "run/execute.hpp"
#include "run/run_batch.hpp"
#include "run/stop.hpp"
#include "store/backend.hpp"

namespace optbench::run {

namespace {

// The runs of one sweep, handed out one at a time to whichever thread asks.
class RunQueue {
 public:
  explicit RunQueue(const Sweep& sweep)
      : sweep_(sweep), claims_db_(store::open(sweep.options.db)), claims_(sweep, *claims_db_) {}

  ~RunQueue() { claims_.release(); }

  // One thread's share: takes runs until none is left, a stop arrives or a
  // store error (a full disk, a lock held past the busy timeout) on any
  // thread ends the sweep.
  void drain() {
    try {
      auto db = store::open(sweep_.options.db);
      RunBatch batch(*db);
      while (!stop_requested() && !store_failed_) {
        if (batch.commit_due()) settle(batch.commit());
        const auto next = claims_.next(sweep_.log.runs_within(kClaimAhead) *
                                       static_cast<std::size_t>(sweep_.jobs));
        if (!next) break;
        settle(one(batch, *next));
      }
      settle(batch.commit());
    } catch (...) {
      store_failed_ = true;
      throw;
    }
  }

 private:
  // Claims reach this far ahead, in seconds of training at the pace so far.
  static constexpr double kClaimAhead = 0.05;

  std::vector<RunReport> one(RunBatch& batch, const ClaimedRun& claimed) {
    const std::size_t i = claimed.index;
    auto& log = sweep_.log;
    const std::string prefix = log.prefix(i) + ": ";
    RunContext context{sweep_.spec, sweep_.plugins, sweep_.experiment_id,
                       sweep_.options.threads_per_run, &surfaces_};
    if (sweep_.options.log) {
      context.progress_every = sweep_.options.progress_every;
      context.on_progress = [&](const std::string& line) { log.live(prefix + line); };
    }
    log.started(i);
    return batch.train(i, context, sweep_.runs[i], claimed.run_id,
                       [&](const std::string& line) { log.say(prefix + line); });
  }

  void settle(const std::vector<RunReport>& reports) {
    auto& log = sweep_.log;
    const RunReport* failure = nullptr;
    for (const auto& r : reports) {
      switch (r.end) {
        case RunReport::End::Stored: {
          const auto& result = r.outcome.result;
          log.finished(r.tag, result.status, result.error, result.final_loss.value_or(std::nan("")),
                       result.steps, r.outcome.wall_seconds);
          break;
        }
        case RunReport::End::TakenOver:
          log.taken_over(r.tag, r.why);
          break;
        case RunReport::End::StorageFailed:
          failure = &r;
          break;
      }
    }
    // The runs concerned stay `running` under this process, which the next
    // invocation finds gone and marks interrupted.
    if (failure) throw store::StoreError(failure->why);
  }

  const Sweep& sweep_;
  const std::unique_ptr<store::Backend> claims_db_;
  ClaimQueue claims_;
  StoredSurfaces surfaces_;
  std::atomic<bool> store_failed_{false};
};

}  // namespace

void ThreadScheduler::run(const Sweep& sweep) {
  RunQueue queue(sweep);
  if (sweep.jobs == 1) {
    queue.drain();
    return;
  }
  std::vector<std::thread> threads;
  // A store failure on one thread must not terminate the process; it is
  // rethrown here after the others finish.
  std::exception_ptr first_error;
  std::mutex error_mutex;
  for (int t = 0; t < sweep.jobs; ++t) {
    threads.emplace_back([&] {
      try {
        queue.drain();
      } catch (...) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
      }
    });
  }
  for (auto& t : threads)
    t.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace optbench::run
