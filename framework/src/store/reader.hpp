// The read side of the results store: what summaries, charts, reports,
// exports and the CLI's listing commands need, and nothing that writes. They
// take a `const Reader&`, so none of them depends on how runs are stored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace optbench::store {

class Reader {
 public:
  virtual ~Reader() = default;

  /// Where the results live (shown in reports and messages).
  virtual const std::filesystem::path& path() const = 0;

  virtual std::vector<ExperimentRecord> experiments() const = 0;
  virtual std::optional<ExperimentRecord> experiment(const std::string& name) const = 0;
  /// Runs in id order; all experiments when `experiment` is empty. Only
  /// the current grid's runs unless Scope::All.
  virtual std::vector<RunRecord> runs(const std::string& experiment = {},
                                      Scope scope = Scope::Current) const = 0;
  /// How many runs Writer::delete_runs would delete.
  virtual std::size_t count_runs(const std::string& experiment,
                                 const std::optional<RunStatus>& status,
                                 const std::optional<std::int64_t>& run_id) const = 0;
  virtual std::optional<RunRecord> run(std::int64_t run_id) const = 0;
  /// Points of one metric of one run, in step order.
  virtual std::vector<MetricPoint> metrics(std::int64_t run_id, const std::string& name,
                                           const std::string& split = "train") const = 0;
  /// Every metric of one run, by name, split and step (for export).
  virtual std::vector<MetricPoint> all_metrics(std::int64_t run_id) const = 0;
  virtual std::vector<TrajectoryPoint> trajectory(std::int64_t run_id) const = 0;
  /// The run's whole history as stored: metric chunks, then trajectory
  /// chunks, each in the order written.
  virtual std::vector<HistoryChunk> history_chunks(std::int64_t run_id) const = 0;
  virtual std::optional<Surface> surface(const std::string& experiment,
                                         const std::string& problem_key) const = 0;
};

}  // namespace optbench::store
