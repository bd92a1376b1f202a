#include "run/heartbeat.hpp"

#include <chrono>
#include <iostream>

#include "store/backend.hpp"

namespace optbench::run {

Heartbeat::Heartbeat(const std::filesystem::path& db) : thread_([this, db] { beat(db); }) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Heartbeat::beat(const std::filesystem::path& db) {
  const auto period = std::chrono::duration<double>(store::kHeartbeatSeconds);
  try {
    const auto store = store::open(db);
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
      lock.unlock();
      store->heartbeat();
      lock.lock();
    }
  } catch (const std::exception& e) {
    // Missed heartbeats only make the runs look abandoned after
    // kStaleAfterSeconds; the sweep itself goes on.
    std::cerr << "optbench: warning: heartbeat stopped: " << e.what() << "\n";
  }
}

}  // namespace optbench::run
