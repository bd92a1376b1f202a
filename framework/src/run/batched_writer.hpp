// A store::Writer that can hold back the writes of a run and commit those of
// many runs together. A 2-D run of 200 steps trains in about 0.1 ms, while
// each of its writes (surface, trajectory, losses, outcome) is a transaction
// of its own; held back, a batch of such runs costs one commit. The writes
// replay in order inside one transaction, each still checked on its own, so
// a run taken over by another process loses only its own writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "store/writer.hpp"

namespace optbench::run {

class BatchedWriter final : public store::Writer {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BatchedWriter(store::Writer& store) : store_(store) {}

  /// Holds back appends, finishes and surfaces from now on (true), or writes
  /// each through at once (false). Switching does not commit what is held.
  void hold(bool on) { holding_ = on; }
  bool holding() const { return holding_; }
  bool empty() const { return held_.empty(); }
  /// When the oldest held write was made (meaningless when empty()).
  Clock::time_point first_held() const { return first_held_; }

  /// Writes everything held in one transaction and forgets it. Returns the
  /// runs whose writes the store refused (store::RunTakenOver), with its
  /// message; their held writes were dropped, everybody else's stored. A
  /// store::StoreError propagates, and then nothing held was stored.
  std::map<std::int64_t, std::string> commit();

  // store::Writer. These go straight through:
  std::int64_t upsert_experiment(const std::string& name, const std::string& title,
                                 const std::string& yaml, const std::string& source_path,
                                 bool replace) override {
    return store_.upsert_experiment(name, title, yaml, source_path, replace);
  }
  void set_grid(std::int64_t experiment_id, const std::vector<std::string>& hashes,
                const std::vector<std::string>& hyperparams) override {
    store_.set_grid(experiment_id, hashes, hyperparams);
  }
  std::size_t delete_runs(const std::string& experiment,
                          const std::optional<store::RunStatus>& status,
                          const std::optional<std::int64_t>& run_id) override {
    return store_.delete_runs(experiment, status, run_id);
  }
  store::Claim claim_run(std::int64_t experiment_id, const store::RunRecord& run,
                         const std::vector<store::RunStatus>& retry) override {
    return store_.claim_run(experiment_id, run, retry);
  }
  std::vector<store::Claim> claim_runs(std::int64_t experiment_id,
                                       const std::vector<store::RunRecord>& runs,
                                       const std::vector<store::RunStatus>& retry) override {
    return store_.claim_runs(experiment_id, runs, retry);
  }
  void release_runs(const std::vector<std::int64_t>& run_ids) override {
    store_.release_runs(run_ids);
  }
  bool prune_run(std::int64_t run_id, const std::string& reason) override {
    return store_.prune_run(run_id, reason);
  }
  void heartbeat() override { store_.heartbeat(); }
  std::size_t recover_stale_runs() override { return store_.recover_stale_runs(); }
  void in_one_transaction(const std::function<void()>& writes) override {
    store_.in_one_transaction(writes);
  }
  // and these are held while holding():
  void append_metrics(std::int64_t run_id, std::span<const store::MetricPoint> points) override;
  void append_trajectory(std::int64_t run_id,
                         std::span<const store::TrajectoryPoint> points) override;
  void finish_run(std::int64_t run_id, const store::RunResult& result) override;
  using Writer::finish_run;
  void put_surface(std::int64_t experiment_id, const store::Surface& surface) override;

 private:
  enum class Kind { Metrics, Trajectory, Finish, Surface };
  struct Write {
    Kind kind;
    std::int64_t id = 0;  ///< the run, or the experiment of a surface
    std::vector<store::MetricPoint> metrics;
    std::vector<store::TrajectoryPoint> trajectory;
    store::RunResult result;
    store::Surface surface;
  };
  void keep(Write write);

  store::Writer& store_;
  bool holding_ = false;
  std::vector<Write> held_;
  Clock::time_point first_held_;
};

}  // namespace optbench::run
