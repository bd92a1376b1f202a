#include "run/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>

#include "run/launcher.hpp"

namespace optbench::run {

bool stdout_is_terminal() {
  // A rank's output reaches the terminal merged with the other ranks' by the
  // launcher (through a pseudo-terminal with Open MPI), so a line rewritten
  // in place would overwrite another rank's: ranks, and the worker processes
  // they start, write whole lines.
  return isatty(STDOUT_FILENO) == 1 && !parallel_launch();
}

std::string format_duration(double seconds) {
  const auto s = static_cast<long long>(std::llround(std::max(0.0, seconds)));
  if (s < 60) return std::to_string(s) + " s";
  if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
  return std::to_string(s / 3600) + " h " + std::to_string(s % 3600 / 60) + " min";
}

ProgressPrinter::ProgressPrinter(std::ostream& out)
    : ProgressPrinter(out, &out == &std::cout && stdout_is_terminal()) {}

// Each line is written in one operation: printers of other threads (an MPI
// rank 0 training runs while it reports) share the stream, and a line
// written in parts could be split by theirs.
void ProgressPrinter::line(const std::string& text) {
  std::string whole = live_shown_ ? "\r\033[K" + text : text;
  live_shown_ = false;
  out_ << whole.append(1, '\n') << std::flush;
}

void ProgressPrinter::live(const std::string& text) {
  if (!terminal_) return line(text);
  out_ << "\r\033[K" + text << std::flush;
  live_shown_ = true;
}

SweepEta::SweepEta(std::vector<Work> runs, int jobs) : jobs_(std::max(1, jobs)) {
  runs_.reserve(runs.size());
  for (const auto& w : runs)
    runs_.push_back(Run{w, State::Waiting, 0.0});
  left_ = runs_.size();
}

void SweepEta::started(std::size_t i, double at) {
  auto& r = runs_.at(i);
  if (r.state != State::Waiting) return;
  r.state = State::Running;
  r.started = at;
}

void SweepEta::finished(std::size_t i, double seconds, double done) {
  auto& r = runs_.at(i);
  if (r.state == State::Ended) return;
  r.state = State::Ended;
  --left_;
  const int unit = r.work.epochs ? 1 : 0;
  // A run stopped before doing any work says nothing about the rate.
  if (done > 0) {
    seconds_[unit] += seconds;
    units_[unit] += done;
  }
  run_seconds_ += seconds;
  ++runs_finished_;
}

void SweepEta::skipped(std::size_t i) {
  auto& r = runs_.at(i);
  if (r.state == State::Ended) return;
  r.state = State::Ended;
  --left_;
}

std::optional<double> SweepEta::predicted(const Run& r) const {
  const int unit = r.work.epochs ? 1 : 0;
  if (units_[unit] > 0) return seconds_[unit] / units_[unit] * r.work.amount;
  if (runs_finished_ > 0) return run_seconds_ / static_cast<double>(runs_finished_);
  return std::nullopt;
}

std::optional<double> SweepEta::remaining(double now) const {
  if (runs_finished_ == 0) return std::nullopt;
  // Seconds of training done and left, counting runs in flight by how far
  // they got at their predicted length.
  double done = run_seconds_, left = 0.0, longest = 0.0;
  for (const auto& r : runs_) {
    if (r.state == State::Ended) continue;
    const double length = *predicted(r);
    const double ran = r.state == State::Running ? std::clamp(now - r.started, 0.0, length) : 0.0;
    done += ran;
    left += length - ran;
    longest = std::max(longest, length - ran);
  }
  if (left <= 0.0) return 0.0;
  // Wall seconds per second of training so far: below 1 with runs in
  // parallel, above it where starting, storing and reporting runs cost
  // more than their training (short runs).
  const double pace = done > 0.0 && now > 0.0 ? now / done : 1.0 / jobs_;
  // No sooner than the longest run left can end.
  return std::max(longest, left * pace);
}

}  // namespace optbench::run
