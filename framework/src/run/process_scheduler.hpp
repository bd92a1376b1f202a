// The worker-process scheduler: each run is trained by a child process
// (`optbench worker`, exec'd fresh), so a plugin that throws, aborts,
// segfaults, hangs or exits takes down only its own run, which is then
// recorded as failed with the reason.
#pragma once

#include "run/scheduler.hpp"

namespace optbench::run {

class ProcessScheduler final : public Scheduler {
 public:
  void run(const Sweep& sweep) override;
};

}  // namespace optbench::run
