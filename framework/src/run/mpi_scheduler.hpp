// One sweep over the ranks of an MPI job (`mpirun -np N optbench run ...`,
// or srun). Rank 0 alone opens the results database, on its local disk:
// SQLite's locks are unreliable on network file systems, and one writer
// needs none. It expands nothing new: every rank reads the same experiment
// file and expands the same grid, and rank 0 hands out runs by their index
// in it, one at a time to whichever rank asks (itself included, on a thread
// of its own), so long and short runs balance. A rank trains each run
// through the ordinary schedulers into a scratch store (scratch_trainer.hpp)
// and sends the history back in batches, which rank 0 writes one
// transaction per batch. Built only when Open MPI is found; everything that
// touches MPI is in this file's .cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "run/runner.hpp"
#include "run/scheduler.hpp"

namespace optbench::run {

/// MPI for the lifetime of one `optbench run` under a launcher: initialized
/// with MPI_THREAD_FUNNELED (only the main thread calls MPI), finalized on
/// a normal return. When an exception leaves the command the job is not
/// finalized, so the launcher ends every rank instead of leaving them
/// waiting for work that will never come.
class MpiSession {
 public:
  /// Why this launch cannot start MPI, said before MPI_Init fails with its
  /// own message: srun without PMIx (--mpi=none or pmi2) gives an Open MPI
  /// process nothing to connect through. Empty when it can.
  static std::string cannot_start();
  MpiSession();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// Ranks on this machine (for the default threads per run).
  int local_size() const { return local_size_; }
  /// Every rank's `value`, by rank; collective (every rank must call it).
  std::vector<std::uint64_t> all_gather(std::uint64_t value) const;
  /// Ends this rank by `signal` once the sweep stopped (SIGINT, SIGTERM),
  /// after every rank has got this far: finalizing MPI is collective, so no
  /// rank ends, and makes the launcher end the others, while rank 0 is
  /// still storing or reporting. Rank 0 calls it last, after its report.
  [[noreturn]] void end_by(int signal);

 private:
  int rank_ = 0, size_ = 1, local_size_ = 1;
};

/// Rank 0's scheduler (make_scheduler picks it for Options::over_mpi):
/// claims each run in the database as a rank asks for work, and writes
/// what the ranks send.
class MpiScheduler final : public Scheduler {
 public:
  void run(const Sweep& sweep) override;
};

/// Every other rank: asks rank 0 for runs until told to stop, trains each
/// and sends it back. Never opens the results database. The caller keeps
/// SIGINT and SIGTERM caught (a SignalScope) through this and MPI_Finalize.
void serve_rank(const MpiSession& session, const experiment::ExperimentSpec& spec,
                const std::vector<experiment::RunSpec>& runs, const registry::Registry& plugins,
                const Options& options);

}  // namespace optbench::run
