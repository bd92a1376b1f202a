#include "run/sweep_log.hpp"

#include "run/stop.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace optbench::run {

namespace {

std::vector<SweepEta::Work> planned_work(const std::vector<experiment::RunSpec>& runs) {
  std::vector<SweepEta::Work> work;
  work.reserve(runs.size());
  for (const auto& run : runs) {
    const bool data = run.dataset.has_value();
    work.push_back(
        {static_cast<double>(std::max<std::int64_t>(1, data ? run.train.epochs : run.train.steps)),
         data});
  }
  return work;
}

}  // namespace

SweepLog::SweepLog(const std::vector<experiment::RunSpec>& runs, std::ostream* log, int jobs)
    : runs_(runs), log_(log), eta_(planned_work(runs), jobs) {
  counts_.total = runs.size();
  if (log_) printer_.emplace(*log_);
}

double SweepLog::now() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
}

std::string SweepLog::eta_text() const {
  const auto left = eta_.remaining(now());
  // After a stop the runs left are not going to be trained now.
  if (!left || eta_.left() == 0 || stop_requested()) return {};
  return "; sweep ETA " + format_duration(*left) + " (" + std::to_string(eta_.left()) +
         (eta_.left() == 1 ? " run left)" : " runs left)");
}

void SweepLog::started(std::size_t i) {
  std::lock_guard lock(mutex_);
  eta_.started(i, now());
}

std::optional<double> SweepLog::eta() const {
  std::lock_guard lock(mutex_);
  return eta_.remaining(now());
}

std::size_t SweepLog::runs_within(double seconds) const {
  std::lock_guard lock(mutex_);
  if (runs_timed_ == 0) return 1;
  const double mean = run_seconds_ / static_cast<double>(runs_timed_);
  if (!(mean > 0)) return 64;
  return static_cast<std::size_t>(std::clamp(std::floor(seconds / mean), 1.0, 64.0));
}

void SweepLog::live(const std::string& line) {
  if (!log_) return;
  std::lock_guard lock(mutex_);
  printer_->live(line);
}

std::string run_prefix(const std::vector<experiment::RunSpec>& runs, std::size_t i) {
  const auto& run = runs[i];
  // Built by appending: GCC 12 reports a false -Wrestrict for "[" + string.
  std::string line = "[";
  line.append(std::to_string(i + 1)).append("/").append(std::to_string(runs.size()));
  line.append("] ").append(run.label).append(" on ").append(run.problem_key);
  return line.append(", seed ").append(std::to_string(run.seed));
}

void SweepLog::relay_as(std::string prefix) {
  relay_ = std::move(prefix);
}

std::string SweepLog::prefix(std::size_t i) const {
  return relay_ ? *relay_ : run_prefix(runs_, i);
}

void SweepLog::say(const std::string& line) {
  if (!log_) return;
  std::lock_guard lock(mutex_);
  printer_->line(line);
}

bool SweepLog::skips(std::size_t i, const store::Claim& claim) {
  if (!claim.already_done && claim.running_elsewhere.empty()) return false;
  {
    std::lock_guard lock(mutex_);
    ++counts_.skipped;
    eta_.skipped(i);
  }
  if (relay_) return true;
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
    const auto& run = runs_[i];
    // The work it did, for the pace of the runs left: a run without data
    // counts its steps; a data run that ended early says little and counts
    // none.
    const double done = status == store::RunStatus::Done
                            ? static_cast<double>(run.dataset ? run.train.epochs : run.train.steps)
                            : (run.dataset ? 0.0 : static_cast<double>(steps));
    eta_.finished(i, wall_seconds, done);
    run_seconds_ += wall_seconds;
    ++runs_timed_;
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
    line.append(eta_text());
  }
  if (!relay_) say(line);
}

void SweepLog::taken_over(std::size_t i, const std::string& why) {
  std::string line = prefix(i);
  {
    std::lock_guard lock(mutex_);
    ++counts_.taken_over;
    eta_.skipped(i);
    line.append(": taken over by another process, this attempt stopped (").append(why) += ')';
  }
  if (!relay_) say(line);
}

SweepResult SweepLog::result() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

}  // namespace optbench::run
