#include "run/heartbeat.hpp"

#include <chrono>
#include <iostream>
#include <memory>

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
  // A beat that fails (the file locked past the busy timeout, a full disk)
  // is retried at the next period: a heartbeat that stayed stopped would let
  // another sweep take this live process's runs for abandoned after
  // kStaleAfterSeconds and train them a second time.
  std::unique_ptr<store::Backend> store;
  bool failing = false;
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    try {
      if (!store) store = store::open(db);
      store->heartbeat();
      if (failing) std::cerr << "optbench: heartbeat resumed\n";
      failing = false;
    } catch (const std::exception& e) {
      if (!failing) {
        std::cerr << "optbench: warning: heartbeat missed, retrying every "
                  << store::kHeartbeatSeconds << " s: " << e.what() << "\n";
      }
      failing = true;
    }
    lock.lock();
  }
}

}  // namespace optbench::run
