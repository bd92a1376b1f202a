// The child side of isolated runs: `optbench worker` is a long-lived process
// that trains runs the host already claimed, one after another, until the
// host closes its command pipe. It loads the plugins once, keeps one store
// connection, and rebuilds each run from the experiment text stored in the
// database (its grid expanded once per experiment), so host and worker
// cannot disagree on a run. Short runs' writes are committed in batches
// (run_batch.hpp).
//
// The pipe protocol, one line per message (worker_protocol.hpp writes and
// parses it):
//   host -> worker, on the worker's stdin:  "run <run_id> <prefix>"
//   worker -> host, on the worker's fd 3:   "start <run_id>"   training begins
//                                           "done <run_id> <code>"
// A run's "done" comes once its outcome is committed, which for a batch of
// short runs may be after later runs' "start"; "done"s come in the order
// the runs were sent. The code is 0 (its outcome is stored),
// kWorkerTakenOver or kWorkerStorageFailed. The worker exits when its stdin
// ends (0), after a stop signal (0, its run stored as interrupted), or after
// a storage failure (kWorkerStorageFailed). A run sent but never started
// (its "start" missing when the worker ended) has nothing stored and can be
// given to another worker.
//
// WorkerSession is that loop's core without the pipe: a scheduler that
// hands runs to processes another way (say, MPI ranks) can drive it too.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "registry/scan.hpp"
#include "run/run_batch.hpp"
#include "store/backend.hpp"

namespace optbench::run {

struct WorkerOptions {
  std::filesystem::path db;
  int threads = 1;
  pid_t parent = 0;  ///< the host; the worker dies with it (0: not checked)
  bool quiet = false;
  std::vector<std::filesystem::path> plugin_folders;  ///< exactly the host's
  /// How libraries are vetted before loading: as the host did, so that the
  /// host's probe cache answers and a library it refused stays out.
  registry::ScanOptions scan;
  /// Seconds between progress lines inside an epoch (0: none).
  double progress_every = 0.0;
};

/// The worker's code for a run the store refused because another process
/// took it over (store::RunTakenOver); EX_TEMPFAIL's value. Also its exit
/// code as a one-run worker of earlier versions.
inline constexpr int kWorkerTakenOver = 75;

/// The worker's code for a run whose writes failed in the store (a full
/// disk, a lock held past the busy timeout): the run is no result, the host
/// marks it interrupted and stops the sweep; the worker exits with it too.
/// EX_IOERR's value.
inline constexpr int kWorkerStorageFailed = 74;

/// A worker's state across the runs it trains: plugins, store, grids.
class WorkerSession {
 public:
  /// Loads the plugins and opens the store. Throws when either fails.
  explicit WorkerSession(const WorkerOptions& options);
  ~WorkerSession();
  WorkerSession(const WorkerSession&) = delete;
  WorkerSession& operator=(const WorkerSession&) = delete;

  /// Trains claimed run `run_id`; progress lines start with `prefix`.
  /// Returns the reports settled now (see RunBatch::train); a run that
  /// cannot be rebuilt from the store (its experiment no longer yields it)
  /// is stored as failed with the reason. Reports' tags are run ids.
  std::vector<RunReport> train(std::int64_t run_id, const std::string& prefix);
  bool commit_due() const { return batch_.commit_due(); }
  /// Whether trained runs wait for their writes to be committed.
  bool pending() const { return batch_.pending(); }
  std::vector<RunReport> commit() { return batch_.commit(); }

 private:
  struct Grid;
  const Grid& grid_of(const std::string& experiment);

  WorkerOptions options_;
  registry::Registry plugins_;
  std::unique_ptr<store::Backend> store_;
  RunBatch batch_;
  StoredSurfaces surfaces_;
  std::map<std::string, std::unique_ptr<Grid>> grids_;  ///< by experiment name
};

/// `optbench worker`: serves the protocol above on `channel` (the socket to
/// the host) until the host shuts its side. Returns the exit code. Throws
/// when the session cannot start (plugins, store) or a run cannot be looked
/// up; the host then fails the run it had started, if any.
int serve_worker(const WorkerOptions& options, int channel);

}  // namespace optbench::run
