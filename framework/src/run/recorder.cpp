#include "run/recorder.hpp"

namespace optbench::run {

Recorder::Recorder(store::Writer& db, std::int64_t run_id, std::size_t flush_at)
    : db_(db), run_id_(run_id), flush_at_(flush_at) {
  metrics_.reserve(flush_at_);
  trajectory_.reserve(flush_at_);
}

void Recorder::metric(std::int64_t step, std::int64_t epoch, const char* split, const char* name,
                      double value, double wall_seconds) {
  metrics_.push_back({step, epoch, split, name, value, wall_seconds});
  if (metrics_.size() >= flush_at_) flush();
}

void Recorder::position(std::int64_t step, double x0, double x1) {
  trajectory_.push_back({step, x0, x1});
  if (trajectory_.size() >= flush_at_) flush();
}

void Recorder::flush() {
  if (!metrics_.empty()) db_.append_metrics(run_id_, metrics_);
  if (!trajectory_.empty()) db_.append_trajectory(run_id_, trajectory_);
  metrics_.clear();
  trajectory_.clear();
}

}  // namespace optbench::run
