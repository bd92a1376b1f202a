#include "run/run_batch.hpp"

namespace optbench::run {

namespace {

std::vector<RunReport> storage_failed(std::vector<RunReport> runs, const std::string& why) {
  for (auto& r : runs) {
    r.end = RunReport::End::StorageFailed;
    r.why = why;
  }
  return runs;
}

}  // namespace

std::vector<RunReport> RunBatch::train(std::size_t tag, const RunContext& context,
                                       const experiment::RunSpec& run, std::int64_t run_id,
                                       const EpochCallback& on_epoch) {
  std::vector<RunReport> ready;
  // After a long run, or at the start, this run writes through: a run of
  // unknown length keeps its history durable epoch by epoch.
  if (!last_short_ && pending()) {
    ready = commit();
    for (const auto& r : ready) {
      if (r.end == RunReport::End::StorageFailed) return ready;
    }
  }
  writer_.hold(last_short_);
  RunReport report;
  report.tag = tag;
  report.run_id = run_id;
  try {
    report.outcome = execute_run(writer_, context, run, run_id, on_epoch);
  } catch (const store::StoreError& e) {
    // Only a write-through write reaches the store during training.
    report.end = RunReport::End::StorageFailed;
    report.why = e.what();
    auto lost = storage_failed(std::exchange(held_, {}), e.what());
    ready.insert(ready.end(), lost.begin(), lost.end());
    ready.push_back(report);
    return ready;
  }
  if (report.outcome.taken_over) {
    report.end = RunReport::End::TakenOver;
    report.why = report.outcome.result.error;
  }
  last_short_ = report.outcome.wall_seconds < std::chrono::duration<double>(kShortRun).count();
  if (writer_.holding()) {
    held_.push_back(report);
  } else {
    ready.push_back(report);
  }
  return ready;
}

std::vector<RunReport> RunBatch::fail(std::size_t tag, std::int64_t run_id,
                                      const std::string& why) {
  RunReport report;
  report.tag = tag;
  report.run_id = run_id;
  report.outcome.result.status = store::RunStatus::Failed;
  report.outcome.result.error = why;
  std::vector<RunReport> ready;
  try {
    writer_.finish_run(run_id, store::RunResult{store::RunStatus::Failed, why, 0.0, 0, std::nullopt,
                                                std::nullopt, std::nullopt});
  } catch (const store::RunTakenOver& e) {
    report.end = RunReport::End::TakenOver;
    report.why = e.what();
  } catch (const store::StoreError& e) {
    report.end = RunReport::End::StorageFailed;
    report.why = e.what();
    ready = storage_failed(std::exchange(held_, {}), e.what());
  }
  if (writer_.holding() && report.end == RunReport::End::Stored) {
    held_.push_back(report);
  } else {
    ready.push_back(report);
  }
  return ready;
}

bool RunBatch::commit_due() const {
  return !writer_.empty() && BatchedWriter::Clock::now() - writer_.first_held() >= kBatchWindow;
}

std::vector<RunReport> RunBatch::commit() {
  auto runs = std::exchange(held_, {});
  std::map<std::int64_t, std::string> refused;
  try {
    refused = writer_.commit();
  } catch (const store::StoreError& e) {
    return storage_failed(std::move(runs), e.what());
  }
  for (auto& r : runs) {
    if (const auto it = refused.find(r.run_id); it != refused.end()) {
      r.end = RunReport::End::TakenOver;
      r.why = it->second;
    }
  }
  return runs;
}

}  // namespace optbench::run
