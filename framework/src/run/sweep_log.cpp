#include "run/sweep_log.hpp"

#include <cstdio>
#include <ostream>

namespace optbench::run {

SweepLog::SweepLog(const std::vector<experiment::RunSpec>& runs, std::ostream* log)
    : runs_(runs), log_(log) {
  counts_.total = runs.size();
}

std::string SweepLog::prefix(std::size_t i) const {
  const auto& run = runs_[i];
  // Built by appending: GCC 12 reports a false -Wrestrict for "[" + string.
  std::string line = "[";
  line.append(std::to_string(i + 1)).append("/").append(std::to_string(runs_.size()));
  line.append("] ").append(run.label).append(" on ").append(run.problem_key);
  return line.append(", seed ").append(std::to_string(run.seed));
}

void SweepLog::say(const std::string& line) {
  if (!log_) return;
  std::lock_guard lock(mutex_);
  *log_ << line << '\n' << std::flush;
}

bool SweepLog::skips(std::size_t i, const store::Claim& claim) {
  if (!claim.already_done && claim.running_elsewhere.empty()) return false;
  {
    std::lock_guard lock(mutex_);
    ++counts_.skipped;
  }
  say(prefix(i) +
      (claim.already_done ? ": already in the database"
                          : ": being run by " + claim.running_elsewhere) +
      ", skipped");
  return true;
}

void SweepLog::finished(std::size_t i, store::RunStatus status, const std::string& error,
                        double final_loss, std::int64_t steps, double wall_seconds) {
  std::string line = prefix(i);
  {
    std::lock_guard lock(mutex_);
    switch (status) {
      case store::RunStatus::Done: {
        ++counts_.done;
        char figures[96];
        std::snprintf(figures, sizeof figures, ": done, final loss %.6g after %lld steps (%.2f s)",
                      final_loss, static_cast<long long>(steps), wall_seconds);
        line.append(figures);
        break;
      }
      case store::RunStatus::Diverged:
        ++counts_.diverged;
        line.append(": diverged (").append(error) += ')';
        break;
      case store::RunStatus::Interrupted:
        ++counts_.interrupted;
        line.append(": interrupted (").append(error).append("), to be redone on resume");
        break;
      default:
        ++counts_.failed;
        line.append(": FAILED: ").append(error);
    }
  }
  say(line);
}

void SweepLog::taken_over(std::size_t i, const std::string& why) {
  std::string line = prefix(i);
  {
    std::lock_guard lock(mutex_);
    ++counts_.taken_over;
    line.append(": taken over by another process, this attempt stopped (").append(why) += ')';
  }
  say(line);
}

SweepResult SweepLog::result() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace optbench::run
