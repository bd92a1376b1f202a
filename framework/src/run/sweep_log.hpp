// What a sweep tells the user and counts, whichever scheduler runs it: one
// line per run outcome, prefixed "[i/n] label on problem, seed s".
#pragma once

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <string>
#include <vector>

#include "experiment/spec.hpp"
#include "run/runner.hpp"
#include "store/records.hpp"

namespace optbench::run {

class SweepLog {
 public:
  SweepLog(const std::vector<experiment::RunSpec>& runs, std::ostream* log);
  std::string prefix(std::size_t i) const;
  /// Writes one whole line; safe from several threads.
  void say(const std::string& line);
  /// Reports and counts run i as skipped if its claim says so.
  bool skips(std::size_t i, const store::Claim& claim);
  void finished(std::size_t i, store::RunStatus status, const std::string& error, double final_loss,
                std::int64_t steps, double wall_seconds);
  /// Reports and counts run i as taken over by another process.
  void taken_over(std::size_t i, const std::string& why);
  SweepResult result() const;

 private:
  const std::vector<experiment::RunSpec>& runs_;
  std::ostream* log_;
  mutable std::mutex mutex_;
  SweepResult counts_;
};

}  // namespace optbench::run
