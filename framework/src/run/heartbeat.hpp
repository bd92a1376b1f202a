// Renews the heartbeat of this process's running runs every
// store::kHeartbeatSeconds on a thread with its own store connection, so
// another invocation can tell them from runs left by a dead process.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

namespace optbench::run {

class Heartbeat {
 public:
  explicit Heartbeat(const std::filesystem::path& db);
  ~Heartbeat();
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  void beat(const std::filesystem::path& db);
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace optbench::run
