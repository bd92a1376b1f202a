#include "run/claim_queue.hpp"

#include <algorithm>

#include "run/execute.hpp"

namespace optbench::run {

std::optional<ClaimedRun> ClaimQueue::next(std::size_t batch) {
  std::lock_guard lock(mutex_);
  while (waiting_.empty() && next_index_ < sweep_.runs.size()) {
    const std::size_t first = next_index_;
    const std::size_t count = std::min(std::max<std::size_t>(batch, 1), sweep_.runs.size() - first);
    std::vector<store::RunRecord> records;
    records.reserve(count);
    for (std::size_t i = first; i < first + count; ++i)
      records.push_back(claim_record(sweep_.spec, sweep_.runs[i], sweep_.options.threads_per_run));
    const auto claims = db_.claim_runs(sweep_.experiment_id, records, sweep_.options.retry);
    next_index_ += count;
    for (std::size_t k = 0; k < count; ++k) {
      if (!sweep_.log.skips(first + k, claims[k]))
        waiting_.push_back({first + k, claims[k].run_id});
    }
  }
  if (waiting_.empty()) return std::nullopt;
  const auto run = waiting_.front();
  waiting_.pop_front();
  return run;
}

void ClaimQueue::put_back(const ClaimedRun& run) {
  std::lock_guard lock(mutex_);
  // Kept in grid order, ahead of the runs not handed out yet.
  const auto at = std::find_if(waiting_.begin(), waiting_.end(),
                               [&](const ClaimedRun& r) { return r.index > run.index; });
  waiting_.insert(at, run);
}

void ClaimQueue::release() {
  std::lock_guard lock(mutex_);
  if (waiting_.empty()) return;
  std::vector<std::int64_t> ids;
  for (const auto& r : waiting_)
    ids.push_back(r.run_id);
  try {
    db_.release_runs(ids);
    waiting_.clear();
  } catch (const store::StoreError&) {
  }
}

}  // namespace optbench::run
