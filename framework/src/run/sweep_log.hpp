// What a sweep tells the user and counts, whichever scheduler runs it: one
// line per run outcome, prefixed "[i/n] label on problem, seed s", ending
// with the sweep's estimated time left; progress lines inside epochs.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "experiment/spec.hpp"
#include "run/progress.hpp"
#include "run/runner.hpp"
#include "store/records.hpp"

namespace optbench::run {

/// "[3/7] adam lr=0.001 on mlp, seed 0": run i of `runs` as lines name it.
std::string run_prefix(const std::vector<experiment::RunSpec>& runs, std::size_t i);

class SweepLog {
 public:
  /// `jobs`: runs trained at once, for the estimate of the time left.
  SweepLog(const std::vector<experiment::RunSpec>& runs, std::ostream* log, int jobs = 1);
  /// For an MPI rank training one run of a sweep that another process
  /// reports: lines from inside the run (progress, epochs) carry `prefix`,
  /// the sweep's own name for it, and the run's outcome is counted but not
  /// printed (the reporting process prints it once).
  void relay_as(std::string prefix);
  std::string prefix(std::size_t i) const;
  /// Writes one whole line; safe from several threads.
  void say(const std::string& line);
  /// Writes a progress line: on a terminal rewritten in place until the
  /// next line, else a line of its own.
  void live(const std::string& line);
  /// Run i began training now.
  void started(std::size_t i);
  /// The whole sweep's estimated seconds left, once a run has finished.
  std::optional<double> eta() const;
  /// How many runs one job trains in `seconds` at the pace of the runs
  /// finished so far: between 1 (also before any finished) and 64. Sizes
  /// the batches of runs claimed and handed to workers at once.
  std::size_t runs_within(double seconds) const;
  /// Reports and counts run i as skipped if its claim says so.
  bool skips(std::size_t i, const store::Claim& claim);
  void finished(std::size_t i, store::RunStatus status, const std::string& error, double final_loss,
                std::int64_t steps, double wall_seconds);
  /// Reports and counts run i as taken over by another process.
  void taken_over(std::size_t i, const std::string& why);
  SweepResult result() const;

 private:
  double now() const;
  /// "; sweep ETA 1 min 5 s (12 runs left)", or "" before any estimate.
  std::string eta_text() const;

  const std::vector<experiment::RunSpec>& runs_;
  std::ostream* log_;
  mutable std::mutex mutex_;
  SweepResult counts_;
  std::optional<ProgressPrinter> printer_;
  SweepEta eta_;
  double run_seconds_ = 0.0;  ///< of the runs finished
  std::size_t runs_timed_ = 0;
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
  std::optional<std::string> relay_;  ///< set by relay_as
};

}  // namespace optbench::run
