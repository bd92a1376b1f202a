// The rank side of a sweep whose results another process stores: trains one
// run at a time through the ordinary schedulers (threads or a worker process
// per run, with their isolation, timeouts and crash handling) into a scratch
// store on this machine's local disk, then sends the run's history and
// outcome as messages and forgets it. The process that owns the results
// database is the only one that ever opens it.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"
#include "run/rank_messages.hpp"
#include "run/runner.hpp"
#include "run/scratch_folder.hpp"
#include "store/backend.hpp"

namespace optbench::run {

class ScratchTrainer {
 public:
  /// `options`: the sweep's (isolation, threads, timeout, plugin folders);
  /// its database is replaced by a scratch file in a ScratchFolder (under
  /// $TMPDIR, else /tmp; the stale ones of killed jobs are removed first),
  /// removed with the trainer. `rank`: recorded with each outcome.
  ScratchTrainer(const experiment::ExperimentSpec& spec, const registry::Registry& plugins,
                 const Options& options, int rank);
  ScratchTrainer(const ScratchTrainer&) = delete;
  ScratchTrainer& operator=(const ScratchTrainer&) = delete;

  /// Trains `run` and passes its surface (the first time its problem is
  /// seen), its history in batches and last its outcome to `send`. Unless
  /// the sweep is quiet, the run's progress and epoch lines go to this
  /// process's standard output (which mpirun forwards) under `prefix`, the
  /// sweep's name for the run; its outcome line is the reporting process's.
  void train(const experiment::RunSpec& run, const std::string& prefix,
             const std::function<void(const messages::Message&)>& send);

  /// This machine's name, as the outcome records it.
  const std::string& host() const { return host_; }
  const std::filesystem::path& scratch() const { return options_.db; }

 private:
  const experiment::ExperimentSpec& spec_;
  const registry::Registry& plugins_;
  Options options_;
  std::ostream* relay_;  ///< the sweep's log: where progress lines go, or null
  int rank_;
  std::string host_;
  ScratchFolder folder_;  // outlives db_, which is closed first
  std::unique_ptr<store::Backend> db_;
  std::int64_t experiment_id_ = 0;
  std::set<std::string> surfaces_sent_;
};

}  // namespace optbench::run
