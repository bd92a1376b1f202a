// The child side of isolated runs: `optbench worker` trains one run that the
// host already claimed, then exits. It rebuilds the run from the experiment
// text stored in the database, so host and worker cannot disagree on it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "registry/scan.hpp"

namespace optbench::run {

struct WorkerOptions {
  std::filesystem::path db;
  std::int64_t run_id = 0;
  int threads = 1;
  pid_t parent = 0;    ///< the host; the worker dies with it
  std::string prefix;  ///< progress line prefix, "[i/n] label on problem, seed s"
  bool quiet = false;
  std::vector<std::filesystem::path> plugin_folders;  ///< exactly the host's
  /// How libraries are vetted before loading: as the host did, so that the
  /// host's probe cache answers and a library it refused stays out.
  registry::ScanOptions scan;
};

/// The worker's exit code when the store refused its writes because another
/// process took the run over (store::RunTakenOver); EX_TEMPFAIL's value.
inline constexpr int kWorkerTakenOver = 75;

/// The worker's exit code when the store failed under it (a full disk, a
/// lock held past the busy timeout): the run is no result, the host marks
/// it interrupted and stops the sweep. EX_IOERR's value.
inline constexpr int kWorkerStorageFailed = 74;

/// Trains the run and stores its outcome. Returns the process exit code:
/// 0 when the outcome (done, diverged, failed, interrupted) is stored,
/// kWorkerTakenOver when the run was taken over, kWorkerStorageFailed when
/// the store failed (with the message on stderr). Throws for anything else
/// that keeps it from storing an outcome (the host then fails the run).
int run_worker(const WorkerOptions& options);

}  // namespace optbench::run
