#include "run/stop.hpp"

#include <csignal>
#include <cstring>

namespace optbench::run {

namespace {

// sig_atomic_t: the only type a handler may portably write.
volatile std::sig_atomic_t caught = 0;
struct sigaction previous_int, previous_term;

extern "C" void on_stop_signal(int signal) {
  caught = signal;
}

}  // namespace

SignalScope::SignalScope() {
  caught = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a blocking poll() in the worker scheduler should wake up.
  action.sa_flags = 0;
  sigaction(SIGINT, &action, &previous_int);
  sigaction(SIGTERM, &action, &previous_term);
}

SignalScope::~SignalScope() {
  sigaction(SIGINT, &previous_int, nullptr);
  sigaction(SIGTERM, &previous_term, nullptr);
}

int stop_signal() {
  return caught;
}

void request_stop(int signal) {
  if (caught == 0) caught = signal;
}

std::string describe_signal(int signal) {
  std::string text = "signal ";
  if (const char* abbrev = sigabbrev_np(signal)) {
    text = "SIG";
    text.append(abbrev);
  } else {
    text.append(std::to_string(signal));
  }
  if (const char* description = sigdescr_np(signal)) text.append(" (").append(description) += ')';
  return text;
}

void die_by(int signal) {
  std::signal(signal, SIG_DFL);
  std::raise(signal);
  std::_Exit(128 + signal);  // only if the signal was blocked
}

}  // namespace optbench::run
