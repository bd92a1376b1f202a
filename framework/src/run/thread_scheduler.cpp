#include "run/thread_scheduler.hpp"

#include <atomic>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "run/execute.hpp"
#include "run/stop.hpp"
#include "store/backend.hpp"

namespace optbench::run {

namespace {

// The runs of one sweep, handed out one at a time to whichever thread asks.
class RunQueue {
 public:
  explicit RunQueue(const Sweep& sweep)
      : sweep_(sweep),
        context_{sweep.spec, sweep.plugins, sweep.experiment_id, sweep.options.threads_per_run} {}

  // One thread's share: takes runs until none is left, a stop arrives or a
  // store error (a full disk, a lock held past the busy timeout) on any
  // thread ends the sweep.
  void drain() {
    try {
      auto db = store::open(sweep_.options.db);
      for (std::size_t i = next_++; i < sweep_.runs.size() && !stop_requested() && !store_failed_;
           i = next_++)
        one(*db, i);
    } catch (...) {
      store_failed_ = true;
      throw;
    }
  }

 private:
  void one(store::Writer& db, std::size_t i) {
    const auto& run = sweep_.runs[i];
    auto& log = sweep_.log;
    const auto claim =
        db.claim_run(context_.experiment_id, claim_record(context_.spec, run, context_.threads),
                     sweep_.options.retry);
    if (log.skips(i, claim)) return;
    const auto outcome = execute_run(db, context_, run, claim.run_id, [&](const std::string& line) {
      log.say(log.prefix(i) + ": " + line);
    });
    const auto& r = outcome.result;
    if (outcome.taken_over) {
      log.taken_over(i, r.error);
    } else {
      log.finished(i, r.status, r.error, r.final_loss.value_or(std::nan("")), r.steps,
                   outcome.wall_seconds);
    }
  }

  const Sweep& sweep_;
  const RunContext context_;
  std::atomic<std::size_t> next_{0};
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
