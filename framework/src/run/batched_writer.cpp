#include "run/batched_writer.hpp"

namespace optbench::run {

void BatchedWriter::keep(Write write) {
  if (held_.empty()) first_held_ = Clock::now();
  held_.push_back(std::move(write));
}

void BatchedWriter::append_metrics(std::int64_t run_id,
                                   std::span<const store::MetricPoint> points) {
  if (!holding_) return store_.append_metrics(run_id, points);
  if (points.empty()) return;
  Write w{Kind::Metrics, run_id, {points.begin(), points.end()}, {}, {}, {}};
  keep(std::move(w));
}

void BatchedWriter::append_trajectory(std::int64_t run_id,
                                      std::span<const store::TrajectoryPoint> points) {
  if (!holding_) return store_.append_trajectory(run_id, points);
  if (points.empty()) return;
  Write w{Kind::Trajectory, run_id, {}, {points.begin(), points.end()}, {}, {}};
  keep(std::move(w));
}

void BatchedWriter::finish_run(std::int64_t run_id, const store::RunResult& result) {
  if (!holding_) return store_.finish_run(run_id, result);
  keep(Write{Kind::Finish, run_id, {}, {}, result, {}});
}

void BatchedWriter::put_surface(std::int64_t experiment_id, const store::Surface& surface) {
  if (!holding_) return store_.put_surface(experiment_id, surface);
  keep(Write{Kind::Surface, experiment_id, {}, {}, {}, surface});
}

std::map<std::int64_t, std::string> BatchedWriter::commit() {
  std::map<std::int64_t, std::string> refused;
  if (held_.empty()) return refused;
  // Cleared whatever happens: after a store error nothing held was stored,
  // and the runs concerned are settled by whoever catches it.
  std::vector<Write> writes;
  writes.swap(held_);
  store_.in_one_transaction([&] {
    for (const auto& w : writes) {
      // A run refused once stays refused; its later writes are not tried.
      if (w.kind != Kind::Surface && refused.contains(w.id)) continue;
      try {
        switch (w.kind) {
          case Kind::Metrics:
            store_.append_metrics(w.id, w.metrics);
            break;
          case Kind::Trajectory:
            store_.append_trajectory(w.id, w.trajectory);
            break;
          case Kind::Finish:
            store_.finish_run(w.id, w.result);
            break;
          case Kind::Surface:
            store_.put_surface(w.id, w.surface);
            break;
        }
      } catch (const store::RunTakenOver& e) {
        refused.emplace(w.id, e.what());
      }
    }
  });
  return refused;
}

}  // namespace optbench::run
