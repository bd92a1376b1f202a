#include "run/process_scheduler.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>

#include "run/claim_queue.hpp"
#include "run/execute.hpp"
#include "run/stop.hpp"
#include "run/worker.hpp"
#include "run/worker_protocol.hpp"
#include "store/backend.hpp"
#include "util/spawn.hpp"

namespace optbench::run {

namespace {

using Clock = std::chrono::steady_clock;

// How long workers get to flush and mark their run interrupted after the
// sweep was asked to stop, before they are killed.
constexpr auto kStopGrace = std::chrono::seconds(10);

// Runs handed to a worker ahead of the one it trains, in seconds of
// training at the pace so far: enough for a batch of short runs to commit
// together, little enough that the last runs spread over every worker.
constexpr double kLeaseSeconds = 0.05;

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// A run handed to a worker.
struct Sent {
  ClaimedRun run;
  bool started = false;
};

struct Worker {
  pid_t pid = -1;
  int pidfd = -1;    ///< readable when the process ends; -1 if the kernel has none
  int channel = -1;  ///< our end of its socket
  std::unique_ptr<protocol::LineReader> reader;
  std::deque<Sent> sent;  ///< in the order sent; a prefix may be trained, held for a batch
  std::size_t given = 0;  ///< runs sent in its life
  bool closed = false;    ///< told that no more runs come
  bool started_any = false;
  // The run it trains, if any: its "start" came (or, for a worker's first
  // run, the worker was started) and its "done" not yet.
  std::int64_t training = 0;
  double timeout = 0.0;
  Clock::time_point started;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
};

// Why a worker ended without recording its run's outcome.
std::string failure_reason(const Worker& worker, int status) {
  if (worker.timed_out) {
    return "timed out after " + seconds_text(worker.timeout) + " s; the worker process was killed";
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

// The worker processes of one sweep: starts them, hands them runs, watches
// them, settles the run of each one that ends mid-run and starts another in
// its place.
class WorkerPool {
 public:
  explicit WorkerPool(const Sweep& sweep)
      : sweep_(sweep),
        options_(sweep.options),
        jobs_(static_cast<std::size_t>(sweep.jobs)),
        log_(sweep.log),
        db_(store::open(sweep.options.db)),
        claims_(sweep, *db_) {}

  // Whatever ends the pool early (a store error), no worker outlives it,
  // and its runs are marked interrupted if the store still takes a write
  // (else the next invocation finds their owner gone and does it).
  ~WorkerPool() {
    for (auto& worker : workers_) {
      kill(worker.pid, SIGKILL);
      waitpid(worker.pid, nullptr, 0);
      close_fds(worker);
      for (const auto& s : worker.sent) {
        try {
          db_->finish_run(s.run.run_id, store::RunStatus::Interrupted,
                          "the sweep stopped on a storage error; retried by the next run", 0.0, 0,
                          std::nan(""));
        } catch (const std::exception&) {
        }
      }
    }
    claims_.release();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void run() {
    for (;;) {
      if (!stop_requested() && store_error_.empty()) hand_out();
      if (stop_requested() && !stopping_) {
        stopping_ = true;
        stop_deadline_ = Clock::now() + kStopGrace;
        for (auto& worker : workers_) {
          kill(worker.pid, SIGTERM);
          close_channel(worker);
        }
      }
      if (!store_error_.empty()) {
        for (auto& worker : workers_)
          close_channel(worker);
      }
      if (workers_.empty()) break;
      wait_for_change();
      for (auto& worker : workers_)
        read_replies(worker);
      enforce_deadlines();
      reap();
    }
    claims_.release();
    if (!store_error_.empty()) throw store::StoreError(store_error_);
  }

 private:
  // Runs a worker holds at once: the one it trains and those queued behind.
  std::size_t lease() const { return log_.runs_within(kLeaseSeconds); }

  // Gives every worker its lease of runs and starts workers up to `jobs`.
  void hand_out() {
    for (auto& worker : workers_)
      fill(worker);
    while (workers_.size() < jobs_ && !out_of_runs_) {
      auto next = claims_.next(lease() * jobs_);
      if (!next) {
        out_of_runs_ = true;
        break;
      }
      if (!spawn(*next)) continue;
      fill(workers_.back());
    }
    // A worker with nothing more to come finishes what it has and exits.
    if (out_of_runs_) {
      for (auto& worker : workers_)
        close_channel(worker);
    }
  }

  // Tops up the runs sent to `worker`, and tells it when no more will come.
  void fill(Worker& worker) {
    const std::size_t limit = static_cast<std::size_t>(options_.runs_per_worker);
    while (!worker.closed && !out_of_runs_ && worker.sent.size() < lease()) {
      if (limit > 0 && worker.given >= limit) {
        close_channel(worker);
        return;
      }
      auto next = claims_.next(lease() * jobs_);
      if (!next) {
        out_of_runs_ = true;
        return;
      }
      send(worker, *next);
    }
    if (limit > 0 && worker.given >= limit) close_channel(worker);
  }

  void send(Worker& worker, const ClaimedRun& run) {
    worker.sent.push_back({run, false});
    ++worker.given;
    // A worker that died cannot take it; reap() finds it and puts its runs
    // back.
    if (!protocol::send_all(worker.channel,
                            protocol::run_line(run.run_id, log_.prefix(run.index)))) {
      close_channel(worker);
    }
  }

  // Starts a worker for `first`; false when it cannot be started (the run
  // is then failed with the reason).
  bool spawn(const ClaimedRun& first) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      fail_unstarted(first, std::string("cannot create a socket for a worker process: ") +
                                std::strerror(errno));
      return false;
    }
    // Numbered above the descriptors the child is given, so that the
    // dup2 onto its fd 3 is a real copy that drops close-on-exec.
    int theirs = fcntl(pair[1], F_DUPFD_CLOEXEC, 10);
    close(pair[1]);
    Worker worker;
    worker.channel = pair[0];
    try {
      if (theirs < 0) throw std::runtime_error(std::strerror(errno));
      // posix_spawn, not fork(): this process has threads (SQLite, the
      // heartbeat), and a fork()ed copy could inherit their held locks.
      // The worker's OpenMP pool starts at its share of the cores.
      worker.pid = util::spawn_process(
          options_.worker_binary, worker_args(),
          {.set_env = {"OMP_NUM_THREADS=" + std::to_string(options_.threads_per_run)},
           .fds = {{protocol::kWorkerChannelFd, theirs}}});
    } catch (const std::exception& e) {
      if (theirs >= 0) close(theirs);
      close(worker.channel);
      fail_unstarted(first, e.what());
      return false;
    }
    close(theirs);
    worker.pidfd = static_cast<int>(syscall(SYS_pidfd_open, worker.pid, 0));
    worker.reader = std::make_unique<protocol::LineReader>(worker.channel);
    workers_.push_back(std::move(worker));
    send(workers_.back(), first);
    start_clock(workers_.back(), first);
    return true;
  }

  // `run` is what `worker` trains from now on, with its timeout running.
  void start_clock(Worker& worker, const ClaimedRun& run) const {
    worker.training = run.run_id;
    worker.timeout = run_timeout(sweep_.runs[run.index], options_);
    worker.started = Clock::now();
    worker.timed_out = false;
    worker.deadline = worker.timeout > 0
                          ? worker.started + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(worker.timeout))
                          : Clock::time_point::max();
  }

  std::vector<std::string> worker_args() const {
    std::vector<std::string> args = {"worker",
                                     "--db",
                                     options_.db.string(),
                                     "--threads",
                                     std::to_string(options_.threads_per_run),
                                     "--parent",
                                     std::to_string(getpid()),
                                     "--progress-every",
                                     seconds_text(options_.progress_every)};
    if (options_.log == nullptr) args.emplace_back("--quiet");
    for (const auto& folder : options_.plugin_folders) {
      args.emplace_back("--plugin-folder");
      args.push_back(folder.string());
    }
    return args;
  }

  // Tells the worker no more runs come (it ends after those it has).
  static void close_channel(Worker& worker) {
    if (worker.closed) return;
    worker.closed = true;
    shutdown(worker.channel, SHUT_WR);
  }

  static void close_fds(Worker& worker) {
    if (worker.pidfd >= 0) close(worker.pidfd);
    if (worker.channel >= 0) close(worker.channel);
    worker.pidfd = worker.channel = -1;
  }

  // Sleeps until a worker says something or ends, a deadline passes or a
  // signal arrives.
  void wait_for_change() {
    auto wake = Clock::now() + std::chrono::milliseconds(500);
    std::vector<pollfd> fds;
    bool blind = false;  // a worker without pidfd is checked every few ms
    for (const auto& worker : workers_) {
      if (worker.pidfd < 0) blind = true;
      fds.push_back({worker.pidfd, POLLIN, 0});
      if (!worker.reader->at_end()) fds.push_back({worker.channel, POLLIN, 0});
      if (!worker.timed_out) wake = std::min(wake, worker.deadline);
    }
    if (stopping_) wake = std::min(wake, stop_deadline_);
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - Clock::now()).count();
    if (blind) wait = std::min<long long>(wait, 5);
    // EINTR (a signal) just means: look again.
    poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(0, wait)));
  }

  void read_replies(Worker& worker) {
    if (worker.reader->at_end()) return;
    worker.reader->read_available();
    while (const auto line = worker.reader->next(false)) {
      const auto message = protocol::parse(*line);
      if (!message || !handle(worker, *message)) {
        // A worker that breaks the protocol cannot be trusted with runs.
        log_.say("optbench: a worker process sent '" + *line + "'; it is stopped");
        kill(worker.pid, SIGKILL);
        return;
      }
    }
  }

  // False when the message does not fit what the worker was sent.
  bool handle(Worker& worker, const protocol::Message& message) {
    using Kind = protocol::Message::Kind;
    if (message.kind == Kind::Start) {
      for (auto& s : worker.sent) {
        if (s.run.run_id != message.run_id) continue;
        // A worker's first run is on the clock since the worker was started
        // (set in spawn()), so that one hanging as it starts up is stopped.
        if (worker.started_any || worker.training != message.run_id) start_clock(worker, s.run);
        s.started = worker.started_any = true;
        log_.started(s.run.index);
        return true;
      }
      return false;
    }
    if (message.kind != Kind::Done || worker.sent.empty() ||
        worker.sent.front().run.run_id != message.run_id)
      return false;
    const ClaimedRun run = worker.sent.front().run;
    worker.sent.pop_front();
    if (worker.training == run.run_id) {
      worker.training = 0;
      worker.deadline = Clock::time_point::max();
    }
    if (message.code == kWorkerTakenOver) {
      log_.taken_over(run.index,
                      "the store refused its worker's writes: this sweep's heartbeat had stopped "
                      "for over " +
                          std::to_string(static_cast<int>(store::kStaleAfterSeconds)) + " s");
      return true;
    }
    if (message.code == kWorkerStorageFailed) {
      // The worker printed the store's message; no new run starts, the ones
      // in flight finish, and the sweep reports the error.
      store_error_ = db_->path().string() +
                     ": a worker could not write to the results database (its message is "
                     "above); the sweep stopped, and its unfinished runs are retried by the next "
                     "run of the experiment";
    }
    report_stored(run, message.code == kWorkerStorageFailed);
    return true;
  }

  // Logs the outcome the worker stored for `run`; one still `running` was
  // not stored (its writes failed) and is marked interrupted.
  void report_stored(const ClaimedRun& run, bool storage_failed) {
    const auto stored = db_->run(run.run_id);
    if (stored && stored->status != store::RunStatus::Running) {
      log_.finished(run.index, stored->status, stored->error, stored->final_loss, stored->steps,
                    stored->wall_seconds);
      return;
    }
    finish(run, store::RunStatus::Interrupted,
           storage_failed ? "storage error in the worker, to be retried"
                          : "its worker reported it stored, but it is not; retried by the next "
                            "run of the experiment",
           0.0);
  }

  void enforce_deadlines() {
    const auto now = Clock::now();
    for (auto& worker : workers_) {
      const bool overdue = !worker.timed_out && now >= worker.deadline;
      if (overdue) worker.timed_out = true;
      if (overdue || (stopping_ && now >= stop_deadline_)) kill(worker.pid, SIGKILL);
    }
  }

  void reap() {
    for (auto it = workers_.begin(); it != workers_.end();) {
      int status = 0;
      if (waitpid(it->pid, &status, WNOHANG) != it->pid) {
        ++it;
        continue;
      }
      // What it said before it ended counts.
      read_replies(*it);
      close_fds(*it);
      settle(*it, status);
      it = workers_.erase(it);
    }
  }

  // The runs a worker held when it ended: the one it trained (or, if it
  // never started one, the first it was sent: it died starting up) is
  // settled from its exit; the others have nothing stored and go to the
  // next worker, or back to the store when the sweep is stopping.
  void settle(Worker& worker, int status) {
    // Set since the worker started or since its last "start".
    const std::int64_t culprit = worker.training;
    for (auto it = worker.sent.rbegin(); it != worker.sent.rend(); ++it) {
      const auto& run = it->run;
      if (run.run_id == culprit) {
        settle_ended(worker, run, status);
        continue;
      }
      // Its outcome may have been committed just before the worker died.
      const auto stored = db_->run(run.run_id);
      if (stored && stored->status != store::RunStatus::Running) {
        log_.finished(run.index, stored->status, stored->error, stored->final_loss, stored->steps,
                      stored->wall_seconds);
      } else {
        claims_.put_back(run);
        out_of_runs_ = false;
      }
    }
    worker.sent.clear();
    if (stopping_ || !store_error_.empty()) claims_.release();
  }

  // The worker records its run's outcome; when it could not (crash, kill,
  // exit mid-run), the run is still 'running' and is finished here.
  void settle_ended(const Worker& worker, const ClaimedRun& run, int status) {
    const auto stored = db_->run(run.run_id);
    if (stored && stored->status != store::RunStatus::Running) {
      log_.finished(run.index, stored->status, stored->error, stored->final_loss, stored->steps,
                    stored->wall_seconds);
      return;
    }
    const double wall = worker.training != 0
                            ? std::chrono::duration<double>(Clock::now() - worker.started).count()
                            : 0.0;
    if (stopping_ && !worker.timed_out) {
      finish(run, store::RunStatus::Interrupted,
             "interrupted by " + describe_signal(stop_signal()) + "; " +
                 failure_reason(worker, status),
             wall);
    } else if (!store_error_.empty()) {
      finish(run, store::RunStatus::Interrupted, "storage error in the worker, to be retried",
             wall);
    } else if (!worker.timed_out && WIFSIGNALED(status) && !run_caused(WTERMSIG(status))) {
      finish(run, store::RunStatus::Interrupted,
             failure_reason(worker, status) +
                 " from outside the run; retried by the next run of the experiment",
             wall);
    } else {
      finish(run, store::RunStatus::Failed, failure_reason(worker, status), wall);
    }
  }

  // A run that never reached a worker (none could be started).
  void fail_unstarted(const ClaimedRun& run, const std::string& why) {
    finish(run, store::RunStatus::Failed, why, 0.0);
  }

  // What the worker managed to store stays; steps and final loss are the
  // last recorded ones.
  void finish(const ClaimedRun& run, store::RunStatus status, const std::string& why, double wall) {
    const auto loss = db_->metrics(run.run_id, "loss");
    const auto epoch_loss = db_->metrics(run.run_id, "epoch_loss");
    const std::int64_t steps = loss.empty() ? 0 : loss.back().step;
    // The same definition as a run that finishes by itself: a data run's
    // last completed epoch's mean, a 2-D run's last loss, none without one.
    std::optional<double> final_loss;
    if (!epoch_loss.empty()) {
      final_loss = epoch_loss.back().value;
    } else if (!loss.empty() && loss.back().epoch == 0) {
      final_loss = loss.back().value;
    }
    const auto test_loss = db_->metrics(run.run_id, "loss", "test");
    const auto accuracy = db_->metrics(run.run_id, "accuracy", "test");
    store::RunResult result{status, why, wall, steps, final_loss, {}, {}};
    if (!test_loss.empty()) result.final_test_loss = test_loss.back().value;
    if (!accuracy.empty()) result.final_accuracy = accuracy.back().value;
    try {
      db_->finish_run(run.run_id, result);
    } catch (const store::RunTakenOver& e) {
      // Another process redoes the run; this one only reports it.
      log_.taken_over(run.index, e.what());
      return;
    }
    log_.finished(run.index, status, why, final_loss.value_or(std::nan("")), steps, wall);
  }

  const Sweep& sweep_;
  const Options& options_;
  const std::size_t jobs_;
  SweepLog& log_;
  const std::unique_ptr<store::Backend> db_;
  ClaimQueue claims_;
  std::list<Worker> workers_;
  bool out_of_runs_ = false;
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
