#include "run/process_scheduler.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "run/execute.hpp"
#include "run/stop.hpp"
#include "run/worker.hpp"
#include "store/backend.hpp"
#include "util/spawn.hpp"

namespace optbench::run {

namespace {

using Clock = std::chrono::steady_clock;

// How long workers get to flush and mark their run interrupted after the
// sweep was asked to stop, before they are killed.
constexpr auto kStopGrace = std::chrono::seconds(10);

struct Child {
  pid_t pid = -1;
  int pidfd = -1;  ///< readable when the process ends; -1 if the kernel has none
  std::size_t index = 0;
  std::int64_t run_id = 0;
  double timeout = 0.0;
  Clock::time_point started;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
};

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// Why a worker ended without recording its run's outcome.
std::string failure_reason(const Child& child, int status) {
  if (child.timed_out) {
    return "timed out after " + seconds_text(child.timeout) + " s; the worker process was killed";
  }
  if (WIFSIGNALED(status)) {
    return "the worker process was killed by " + describe_signal(WTERMSIG(status));
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 0) {
    return "the worker process exited with status 0 before the run finished (a plugin called "
           "exit?)";
  }
  return "the worker process exited with status " + std::to_string(code) +
         " before the run finished";
}

// Signals a run brings on itself: its code faulted, aborted or trapped.
// Anything else that kills a worker (SIGKILL from the OOM killer or a user,
// SIGTERM, SIGHUP) came from outside the run and says nothing about it.
bool run_caused(int signal) {
  switch (signal) {
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGABRT:
    case SIGTRAP:
    case SIGSYS:
    case SIGXCPU:
      return true;
    default:
      return false;
  }
}

// The worker processes of one sweep: starts them, watches them, and settles
// the run of each one that ends.
class WorkerPool {
 public:
  explicit WorkerPool(const Sweep& sweep)
      : spec_(sweep.spec),
        runs_(sweep.runs),
        options_(sweep.options),
        experiment_id_(sweep.experiment_id),
        jobs_(static_cast<std::size_t>(sweep.jobs)),
        log_(sweep.log),
        db_(store::open(sweep.options.db)) {}

  // Whatever ends the pool early (a store error), no worker outlives it,
  // and its run is marked interrupted if the store still takes a write
  // (else the next invocation finds its owner gone and does it).
  ~WorkerPool() {
    for (auto& child : children_) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
      if (child.pidfd >= 0) close(child.pidfd);
      try {
        db_->finish_run(child.run_id, store::RunStatus::Interrupted,
                        "the sweep stopped on a storage error; retried by the next run", 0.0, 0,
                        std::nan(""));
      } catch (const std::exception&) {
      }
    }
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run() {
    for (;;) {
      if (!stop_requested() && store_error_.empty()) start_more();
      if (children_.empty()) break;
      if (stop_requested() && !stopping_) {
        stopping_ = true;
        stop_deadline_ = Clock::now() + kStopGrace;
        for (const auto& child : children_)
          kill(child.pid, SIGTERM);
      }
      wait_for_change();
      enforce_deadlines();
      reap();
    }
    if (!store_error_.empty()) throw store::StoreError(store_error_);
  }

 private:
  void start_more() {
    while (children_.size() < jobs_ && next_ < runs_.size()) {
      const std::size_t i = next_++;
      const auto& run = runs_[i];
      const auto claim = db_->claim_run(
          experiment_id_, claim_record(spec_, run, options_.threads_per_run), options_.retry);
      if (log_.skips(i, claim)) continue;
      Child child;
      child.index = i;
      child.run_id = claim.run_id;
      child.timeout = run_timeout(run, options_);
      child.started = Clock::now();
      if (child.timeout > 0) {
        child.deadline = child.started + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(child.timeout));
      }
      try {
        // posix_spawn, not fork(): this process has threads (SQLite, the
        // heartbeat), and a fork()ed copy could inherit their held locks.
        // The worker's OpenMP pool starts at its share of the cores.
        child.pid = util::spawn_process(
            options_.worker_binary, worker_args(child),
            {.set_env = {"OMP_NUM_THREADS=" + std::to_string(options_.threads_per_run)}});
      } catch (const std::exception& e) {
        finish(child, store::RunStatus::Failed, e.what());
        continue;
      }
      child.pidfd = static_cast<int>(syscall(SYS_pidfd_open, child.pid, 0));
      children_.push_back(child);
    }
  }

  std::vector<std::string> worker_args(const Child& child) const {
    std::vector<std::string> args = {"worker",
                                     "--db",
                                     options_.db.string(),
                                     "--run-id",
                                     std::to_string(child.run_id),
                                     "--threads",
                                     std::to_string(options_.threads_per_run),
                                     "--parent",
                                     std::to_string(getpid()),
                                     "--prefix",
                                     log_.prefix(child.index)};
    if (options_.log == nullptr) args.emplace_back("--quiet");
    for (const auto& folder : options_.plugin_folders) {
      args.emplace_back("--plugin-folder");
      args.push_back(folder.string());
    }
    return args;
  }

  // Sleeps until a worker ends, a deadline passes or a signal arrives.
  void wait_for_change() {
    auto wake = Clock::now() + std::chrono::milliseconds(500);
    std::vector<pollfd> fds;
    bool blind = false;  // a worker without pidfd is checked every few ms
    for (const auto& child : children_) {
      if (child.pidfd < 0) blind = true;
      fds.push_back({child.pidfd, POLLIN, 0});
      if (!child.timed_out) wake = std::min(wake, child.deadline);
    }
    if (stopping_) wake = std::min(wake, stop_deadline_);
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count();
    if (blind) wait = std::min<long long>(wait, 5);
    // EINTR (a signal) just means: look again.
    poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, wait)));
  }

  void enforce_deadlines() {
    const auto now = Clock::now();
    for (auto& child : children_) {
      const bool overdue = !child.timed_out && now >= child.deadline;
      if (overdue) child.timed_out = true;
      if (overdue || (stopping_ && now >= stop_deadline_)) kill(child.pid, SIGKILL);
    }
  }

  void reap() {
    for (auto it = children_.begin(); it != children_.end();) {
      int status = 0;
      if (waitpid(it->pid, &status, WNOHANG) != it->pid) {
        ++it;
        continue;
      }
      if (it->pidfd >= 0) close(it->pidfd);
      settle(*it, status);
      it = children_.erase(it);
    }
  }

  // The worker records its own outcome; when it could not (crash, kill,
  // exit mid-run), the run is still 'running' and is finished here.
  void settle(const Child& child, int status) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == kWorkerTakenOver) {
      log_.taken_over(child.index,
                      "the store refused its worker's writes: this sweep's heartbeat had stopped "
                      "for over " +
                          std::to_string(static_cast<int>(store::kStaleAfterSeconds)) + " s");
      return;
    }
    // The worker printed the store's message; no new run starts, the ones
    // in flight finish, and the sweep reports the error.
    const bool storage_failed = WIFEXITED(status) && WEXITSTATUS(status) == kWorkerStorageFailed;
    if (storage_failed) {
      store_error_ = db_->path().string() +
                     ": a worker could not write to the results database (its message is "
                     "above); the sweep stopped, and its unfinished runs are retried by the next "
                     "run of the experiment";
    }
    const auto stored = db_->run(child.run_id);
    if (stored && stored->status != store::RunStatus::Running) {
      log_.finished(child.index, stored->status, stored->error, stored->final_loss, stored->steps,
                    stored->wall_seconds);
      return;
    }
    if (stopping_ && !child.timed_out) {
      finish(child, store::RunStatus::Interrupted,
             "interrupted by " + describe_signal(stop_signal()) + "; " +
                 failure_reason(child, status));
    } else if (storage_failed) {
      finish(child, store::RunStatus::Interrupted, "storage error in the worker, to be retried");
    } else if (!child.timed_out && WIFSIGNALED(status) && !run_caused(WTERMSIG(status))) {
      finish(child, store::RunStatus::Interrupted,
             failure_reason(child, status) +
                 " from outside the run; retried by the next run of the experiment");
    } else {
      finish(child, store::RunStatus::Failed, failure_reason(child, status));
    }
  }

  // What the worker managed to store stays; steps and final loss are the
  // last recorded ones.
  void finish(const Child& child, store::RunStatus status, const std::string& why) {
    const auto loss = db_->metrics(child.run_id, "loss");
    const auto epoch_loss = db_->metrics(child.run_id, "epoch_loss");
    const std::int64_t steps = loss.empty() ? 0 : loss.back().step;
    // The same definition as a run that finishes by itself: a data run's
    // last completed epoch's mean, a 2-D run's last loss, none without one.
    std::optional<double> final_loss;
    if (!epoch_loss.empty()) {
      final_loss = epoch_loss.back().value;
    } else if (!loss.empty() && loss.back().epoch == 0) {
      final_loss = loss.back().value;
    }
    const auto test_loss = db_->metrics(child.run_id, "loss", "test");
    const auto accuracy = db_->metrics(child.run_id, "accuracy", "test");
    store::RunResult result{status, why, 0.0, steps, final_loss, {}, {}};
    if (!test_loss.empty()) result.final_test_loss = test_loss.back().value;
    if (!accuracy.empty()) result.final_accuracy = accuracy.back().value;
    const double wall = std::chrono::duration<double>(Clock::now() - child.started).count();
    result.wall_seconds = wall;
    try {
      db_->finish_run(child.run_id, result);
    } catch (const store::RunTakenOver& e) {
      // Another process redoes the run; this one only reports it.
      log_.taken_over(child.index, e.what());
      return;
    }
    log_.finished(child.index, status, why, final_loss.value_or(std::nan("")), steps, wall);
  }

  const experiment::ExperimentSpec& spec_;
  const std::vector<experiment::RunSpec>& runs_;
  const Options& options_;
  const std::int64_t experiment_id_;
  const std::size_t jobs_;
  SweepLog& log_;
  const std::unique_ptr<store::Backend> db_;
  std::vector<Child> children_;
  std::size_t next_ = 0;
  bool stopping_ = false;
  Clock::time_point stop_deadline_;
  std::string store_error_;  ///< set when a worker's store failed: start no more runs
};

}  // namespace

void ProcessScheduler::run(const Sweep& sweep) {
  WorkerPool pool(sweep);
  pool.run();
}

}  // namespace optbench::run
