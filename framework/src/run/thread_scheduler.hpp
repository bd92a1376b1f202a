// The thread scheduler: runs trained on threads of this process, each thread
// with its own store connection. Cheapest per run, but a plugin that crashes
// takes every run in flight with it, and a run cannot be timed out.
#pragma once

#include "run/scheduler.hpp"

namespace optbench::run {

class ThreadScheduler final : public Scheduler {
 public:
  void run(const Sweep& sweep) override;
};

}  // namespace optbench::run
