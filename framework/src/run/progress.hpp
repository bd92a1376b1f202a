// What a person watching a sweep sees besides one line per run: a progress
// line inside long epochs, and an estimate of the time the whole sweep
// still needs, printed with each run's completion line.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace optbench::run {

/// Seconds between progress lines inside an epoch when none is asked for:
/// on a terminal the line is rewritten in place, so often is cheap to read;
/// in a log file every line stays, so rarely.
inline constexpr double kProgressEveryTerminal = 2.0;
inline constexpr double kProgressEveryPiped = 10.0;

/// Whether standard output is a terminal that this process has to itself
/// (not one of several MPI ranks, whose lines the launcher merges).
bool stdout_is_terminal();

/// "45 s", "12 min 5 s", "3 h 20 min".
std::string format_duration(double seconds);

/// Writes whole lines and, on a terminal, one live line rewritten in place
/// (carriage return, then erase to the end of the line), which the next
/// whole line replaces. Off a terminal a live line is a whole line, so logs
/// hold no carriage returns. Not thread-safe; the caller serializes.
class ProgressPrinter {
 public:
  ProgressPrinter(std::ostream& out, bool terminal) : out_(out), terminal_(terminal) {}
  explicit ProgressPrinter(std::ostream& out);  ///< a terminal if `out` is std::cout on one
  void line(const std::string& text);
  void live(const std::string& text);

 private:
  std::ostream& out_;
  bool terminal_;
  bool live_shown_ = false;
};

/// Estimates how long a sweep still needs from the runs finished so far.
/// Each run has a planned amount of work in its own unit (optimizer steps
/// for a run without data, epochs for a data run); the seconds per unit
/// are measured on finished runs of the same unit, which predicts each
/// run's length. The training left (runs not started, and the unfinished
/// part of runs in flight) is then scaled by the sweep's pace so far: wall
/// time elapsed per second of training done, which accounts for runs in
/// parallel and for the cost between runs alike. Times are seconds since
/// the sweep began, passed in, so that the estimate can be checked on
/// constructed durations.
class SweepEta {
 public:
  struct Work {
    double amount = 1.0;  ///< planned units, > 0
    bool epochs = false;  ///< the unit: epochs (data runs) or steps
  };
  SweepEta(std::vector<Work> runs, int jobs);

  void started(std::size_t i, double at);
  /// Run i ended after `seconds`, having done `done` of its planned units
  /// (fewer when it diverged or failed early).
  void finished(std::size_t i, double seconds, double done);
  /// Run i will not be trained here (finished earlier, or run elsewhere).
  void skipped(std::size_t i);
  /// Runs neither finished nor skipped.
  std::size_t left() const { return left_; }
  /// Seconds until every run left is finished, at time `now`; nullopt
  /// before any run finished (nothing measured yet).
  std::optional<double> remaining(double now) const;

 private:
  enum class State { Waiting, Running, Ended };
  struct Run {
    Work work;
    State state = State::Waiting;
    double started = 0.0;
  };
  /// Predicted seconds of run r, or nullopt when nothing was measured.
  std::optional<double> predicted(const Run& r) const;

  std::vector<Run> runs_;
  int jobs_;
  std::size_t left_;
  double seconds_[2] = {0.0, 0.0};  ///< measured, by unit (steps, epochs)
  double units_[2] = {0.0, 0.0};
  double run_seconds_ = 0.0;  ///< all finished runs, for a unit not yet measured
  std::size_t runs_finished_ = 0;
};

}  // namespace optbench::run
