#include "run/mpi_scheduler.hpp"

#include <mpi.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "run/execute.hpp"
#include "run/rank_messages.hpp"
#include "run/scratch_trainer.hpp"
#include "run/stop.hpp"
#include "run/sweep_log.hpp"
#include "store/backend.hpp"

namespace optbench::run {

namespace {

namespace msg = messages;

constexpr int kTag = 14;
// Open MPI's blocking calls poll at full speed; a rank waiting for rank 0,
// and rank 0 waiting for anyone, would each take a core from training.
// They probe and sleep instead.
constexpr auto kIdleSleep = std::chrono::microseconds(200);
// Once the sweep stops, how long rank 0 waits for the ranks to report that
// they stopped before it ends: ranks that caught the signal themselves stop
// within moments, and one that did not would finish its whole run first.
constexpr auto kStopGrace = std::chrono::seconds(5);

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) {
    char text[MPI_MAX_ERROR_STRING];
    int n = 0;
    MPI_Error_string(code, text, &n);
    throw std::runtime_error(std::string("MPI: ") + what + ": " + std::string(text, n));
  }
}

// A large message waits until its receiver takes it; MPI_Send would spin
// all that time (while rank 0 writes another rank's batch, say), taking a
// core from training and from rank 0 itself. It tests and sleeps instead.
void send_to(int dest, const msg::Message& message) {
  const auto bytes = msg::encode(message);
  MPI_Request request;
  check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, kTag,
                  MPI_COMM_WORLD, &request),
        "send");
  for (;;) {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "send");
    if (done) return;
    std::this_thread::sleep_for(kIdleSleep);
  }
}

// The next message from `source` (MPI_ANY_SOURCE: from anyone), or none if
// none is waiting; `from` gets the sender.
std::optional<msg::Message> poll_from(int source, int& from) {
  int waiting = 0;
  MPI_Status status;
  check(MPI_Iprobe(source, kTag, MPI_COMM_WORLD, &waiting, &status), "probe");
  if (!waiting) return std::nullopt;
  int size = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &size), "message size");
  msg::Bytes bytes(static_cast<std::size_t>(size));
  check(MPI_Recv(bytes.data(), size, MPI_BYTE, status.MPI_SOURCE, kTag, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE),
        "receive");
  from = status.MPI_SOURCE;
  return msg::decode(bytes);
}

// On rank 0: whether every rank was told to stop (and so will finalize).
bool every_rank_stopped = false;

// Rank 0's own trainer talks to the coordinator through two queues instead
// of MPI: only the main thread calls MPI.
class LocalLink {
 public:
  void to_coordinator(msg::Message m) {
    std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(m));
  }
  std::optional<msg::Message> next_for_coordinator() {
    std::lock_guard lock(mutex_);
    if (inbox_.empty()) return std::nullopt;
    auto m = std::move(inbox_.front());
    inbox_.pop_front();
    return m;
  }
  void to_trainer(msg::Message m) {
    {
      std::lock_guard lock(mutex_);
      outbox_.push_back(std::move(m));
    }
    wake_.notify_one();
  }
  msg::Message next_for_trainer() {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return !outbox_.empty(); });
    auto m = std::move(outbox_.front());
    outbox_.pop_front();
    return m;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<msg::Message> inbox_, outbox_;
};

// One rank's side, whatever carries its messages: ask, train, report, until
// told to stop.
template <typename Send, typename Receive>
void train_handed_out(ScratchTrainer& trainer, const std::vector<experiment::RunSpec>& runs,
                      int rank, const Send& send, const Receive& receive) {
  for (;;) {
    // A rank that caught SIGINT or SIGTERM says so instead of asking for
    // work: the whole sweep stops, as it would in one process.
    send(msg::Ready{trainer.host(), stop_signal()});
    const auto answer = receive();
    if (std::holds_alternative<msg::Stop>(answer)) return;
    const auto& work = std::get<msg::Work>(answer);
    if (work.index >= runs.size() || runs[work.index].config_hash != work.config_hash) {
      // The same file gave this rank another grid: a plugin, a data file or
      // the experiment file differs on this machine. The run is not trained
      // with settings other than those rank 0 stored.
      msg::Finish refused;
      refused.host = trainer.host();
      refused.rank = rank;
      refused.result.status = store::RunStatus::Failed;
      refused.result.error = "rank " + std::to_string(rank) + " on " + trainer.host() +
                             " computes another identity for this run than rank 0 (" +
                             work.config_hash +
                             "): its experiment file, plugins or data files differ from rank 0's";
      send(refused);
      continue;
    }
    trainer.train(runs[work.index], run_prefix(runs, work.index), send);
  }
}

// Rank 0's side of the sweep.
class Coordinator {
 public:
  Coordinator(const Sweep& sweep, int ranks)
      : sweep_(sweep), ranks_(ranks), db_(store::open(sweep.options.db)) {}

  void run() {
    std::thread local([&] {
      try {
        ScratchTrainer trainer(sweep_.spec, sweep_.plugins, sweep_.options, 0);
        train_handed_out(
            trainer, sweep_.runs, 0, [&](const msg::Message& m) { link_.to_coordinator(m); },
            [&] { return link_.next_for_trainer(); });
      } catch (...) {
        local_error_ = std::current_exception();
        local_failed_ = true;
      }
    });
    try {
      serve();
    } catch (...) {
      // The local trainer may be mid-run; when it asks for work next it is
      // told to stop, and the error ends the job after that.
      link_.to_trainer(msg::Stop{});
      local.join();
      throw;
    }
    local.join();
  }

 private:
  struct InFlight {
    std::size_t index = 0;
    std::int64_t run_id = 0;
    std::chrono::steady_clock::time_point handed_out;
    bool taken_over = false;
    std::string why;
    /// Stored `interrupted` by rank 0 when the sweep stopped; what the rank
    /// still sends of it is dropped.
    bool settled = false;
  };

  void serve() {
    int stopped = 0;
    std::optional<std::chrono::steady_clock::time_point> give_up;
    while (stopped < ranks_) {
      if (stop_requested() && !give_up) {
        settle_in_flight();
        give_up = std::chrono::steady_clock::now() + kStopGrace;
      }
      // Ranks still training past the grace (one that caught no signal
      // finishes its run first) are ended by the launcher once rank 0 ends
      // by its signal; their runs are stored already.
      if (give_up && std::chrono::steady_clock::now() > *give_up) {
        link_.to_trainer(msg::Stop{});
        return;
      }
      bool busy = false;
      while (auto m = link_.next_for_coordinator()) {
        busy = true;
        if (handle(0, *m)) ++stopped;
      }
      // Its messages are in; what it could not do ends the sweep, as a
      // failure of any other rank ends the job.
      if (local_failed_) std::rethrow_exception(local_error_);
      int from = 0;
      while (auto m = poll_from(MPI_ANY_SOURCE, from)) {
        busy = true;
        if (handle(from, *m)) ++stopped;
      }
      if (!busy) std::this_thread::sleep_for(kIdleSleep);
    }
    every_rank_stopped = true;
  }

  // Returns true when `rank` was told to stop.
  bool handle(int rank, const msg::Message& m) {
    if (const auto* ready = std::get_if<msg::Ready>(&m)) {
      hosts_[rank] = ready->host;
      if (ready->stopped_by != 0 && !stop_requested()) {
        // A signal that reached one rank stops the job: rank 0 stops as if
        // it had caught it (its own trainer included) and stores the runs
        // in flight before it answers.
        request_stop(ready->stopped_by);
        settle_in_flight();
      }
      return hand_out(rank);
    }
    auto found = in_flight_.find(rank);
    if (found == in_flight_.end())
      throw std::runtime_error("rank " + std::to_string(rank) + " sent results without a run");
    auto& run = found->second;
    try {
      if (const auto* history = std::get_if<msg::History>(&m)) {
        if (!run.taken_over && !run.settled) db_->append_chunks(run.run_id, history->chunks);
      } else if (const auto* surface = std::get_if<msg::SurfaceSample>(&m)) {
        db_->put_surface(sweep_.experiment_id, surface->surface);
      } else if (const auto* finish = std::get_if<msg::Finish>(&m)) {
        if (!run.settled) finished(run, *finish);
        in_flight_.erase(found);
      }
    } catch (const store::RunTakenOver& e) {
      run.taken_over = true;
      run.why = e.what();
      if (std::holds_alternative<msg::Finish>(m)) {
        sweep_.log.taken_over(run.index, run.why);
        in_flight_.erase(found);
      }
    }
    return false;
  }

  bool hand_out(int rank) {
    while (!stop_requested() && next_ < sweep_.runs.size()) {
      const std::size_t i = next_++;
      const auto& spec = sweep_.runs[i];
      const auto claim = db_->claim_run(
          sweep_.experiment_id, claim_record(sweep_.spec, spec, sweep_.options.threads_per_run),
          sweep_.options.retry);
      if (sweep_.log.skips(i, claim)) continue;
      in_flight_[rank] =
          InFlight{i, claim.run_id, std::chrono::steady_clock::now(), false, {}, false};
      tell(rank, msg::Work{i, spec.config_hash});
      return false;
    }
    tell(rank, msg::Stop{});
    return true;
  }

  // The sweep is stopping: every run handed out and not yet stored is
  // stored `interrupted` at once, in one transaction, before rank 0 waits for
  // anything. The launcher does not wait long: Open MPI's mpirun, signalled,
  // sends the ranks SIGTERM and SIGKILL one second later, and what the
  // ranks would send of these runs arrives after they finish them. Their
  // partial histories are not kept (the next invocation trains them afresh
  // either way).
  void settle_in_flight() {
    const std::string why = "interrupted by " + describe_signal(stop_signal());
    const auto now = std::chrono::steady_clock::now();
    db_->in_one_transaction([&] {
      for (auto& [rank, run] : in_flight_) {
        if (run.taken_over || run.settled) continue;
        store::RunResult r;
        r.status = store::RunStatus::Interrupted;
        r.error = why + " while rank " + std::to_string(rank) + " trained it";
        r.wall_seconds = std::chrono::duration<double>(now - run.handed_out).count();
        r.host = hosts_[rank];
        r.rank = rank;
        try {
          db_->finish_run(run.run_id, r);
        } catch (const store::RunTakenOver& e) {
          run.taken_over = true;
          run.why = e.what();
          continue;
        }
        run.settled = true;
        sweep_.log.finished(run.index, r.status, r.error, std::nan(""), 0, r.wall_seconds);
      }
    });
  }

  void finished(InFlight& run, const msg::Finish& finish) {
    if (run.taken_over) {
      sweep_.log.taken_over(run.index, run.why);
      return;
    }
    auto r = finish.result;
    r.host = finish.host;
    r.rank = finish.rank;
    db_->finish_run(run.run_id, r);
    sweep_.log.finished(run.index, r.status, r.error, r.final_loss.value_or(std::nan("")), r.steps,
                        r.wall_seconds);
  }

  void tell(int rank, const msg::Message& m) {
    if (rank == 0) {
      link_.to_trainer(m);
    } else {
      send_to(rank, m);
    }
  }

  const Sweep& sweep_;
  const int ranks_;
  const std::unique_ptr<store::Backend> db_;
  LocalLink link_;
  std::exception_ptr local_error_;
  std::atomic<bool> local_failed_{false};
  std::size_t next_ = 0;
  std::map<int, InFlight> in_flight_;
  std::map<int, std::string> hosts_;
};

}  // namespace

std::string MpiSession::cannot_start() {
#ifdef OPEN_MPI
  // mpirun sets OMPI_COMM_WORLD_SIZE; srun --mpi=pmix sets PMIX_RANK. Open
  // MPI as Debian builds it speaks no PMI-2, so srun with any other --mpi
  // leaves every rank failing in MPI_Init.
  if (std::getenv("SLURM_STEP_NUM_TASKS") != nullptr && std::getenv("PMIX_RANK") == nullptr &&
      std::getenv("OMPI_COMM_WORLD_SIZE") == nullptr) {
    return "started by srun without PMIx, which this optbench's Open MPI needs to connect its "
           "copies: start them with srun --mpi=pmix";
  }
#endif
  return {};
}

MpiSession::MpiSession() {
  int provided = 0;
  check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "init");
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
}

std::vector<std::uint64_t> MpiSession::all_gather(std::uint64_t value) const {
  std::vector<std::uint64_t> all(static_cast<std::size_t>(size_));
  check(MPI_Allgather(&value, 1, MPI_UINT64_T, all.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD),
        "allgather");
  return all;
}

MpiSession::~MpiSession() {
  if (std::uncaught_exceptions() == 0) MPI_Finalize();
}

void MpiSession::end_by(int signal) {
  // Rank 0 that gave up waiting for a rank still training does not
  // finalize: that rank would never arrive. Its end makes the launcher end
  // the job.
  if (rank_ != 0 || every_rank_stopped) MPI_Finalize();
  die_by(signal);
}

void MpiScheduler::run(const Sweep& sweep) {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  Coordinator(sweep, ranks).run();
}

void serve_rank(const MpiSession& session, const experiment::ExperimentSpec& spec,
                const std::vector<experiment::RunSpec>& runs, const registry::Registry& plugins,
                const Options& options) {
  ScratchTrainer trainer(spec, plugins, options, session.rank());
  train_handed_out(
      trainer, runs, session.rank(), [](const msg::Message& m) { send_to(0, m); },
      [] {
        int from = 0;
        for (;;) {
          if (auto m = poll_from(0, from)) return std::move(*m);
          std::this_thread::sleep_for(kIdleSleep);
        }
      });
}

}  // namespace optbench::run
