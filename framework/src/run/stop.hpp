// SIGINT and SIGTERM during a sweep: the handler only records the signal;
// the training loops and the schedulers poll it between steps, mark their
// runs interrupted, flush what they recorded and return.
#pragma once

#include <string>

namespace optbench::run {

/// Catches SIGINT and SIGTERM for its lifetime and restores the previous
/// handlers after. Not nestable.
class SignalScope {
 public:
  SignalScope();
  ~SignalScope();
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;
};

/// The signal caught since the last SignalScope began, or 0.
int stop_signal();
inline bool stop_requested() {
  return stop_signal() != 0;
}

/// Stops as if `signal` had been caught, unless a signal was caught
/// already: a stop that another process of the same job caught (an MPI
/// rank) reaches this one's schedulers the same way.
void request_stop(int signal);

/// "SIGSEGV (Segmentation fault)".
std::string describe_signal(int signal);

/// Ends the process by `signal` with its default action, so the parent
/// sees how it ended (exit status 128 + signal in a shell).
[[noreturn]] void die_by(int signal);

}  // namespace optbench::run
