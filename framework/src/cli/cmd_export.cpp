// optbench export: the runs or the metric points of a results database as
// CSV or JSON, for pandas and R.
#include <iostream>

#include "cli/command.hpp"
#include "results/export.hpp"
#include "store/backend.hpp"

namespace optbench::cli {

int cmd_export(const std::vector<std::string>& args) {
  po::options_description options("export options");
  add_db_option(options);
  options.add_options()("experiment,e", po::value<std::string>()->default_value(""),
                        "only this experiment (default: every one)")(
      "table", po::value<std::string>()->default_value("runs"),
      "runs (one row per run) or metrics (one row per stored point)")(
      "format", po::value<std::string>()->default_value("csv"), "csv or json")(
      "all", po::bool_switch(), "also the runs an edit of an experiment set aside");
  po::variables_map vm;
  if (!parse("export", "[--db FILE] [--experiment NAME] [--table runs|metrics] [--format csv|json]",
             options, {}, args, vm)) {
    return kOk;
  }
  const auto table = vm["table"].as<std::string>();
  const auto format = vm["format"].as<std::string>();
  if (table != "runs" && table != "metrics") {
    throw UsageError("--table: unknown table '" + table + "' (expected runs or metrics)");
  }
  if (format != "csv" && format != "json") {
    throw UsageError("--format: unknown format '" + format + "' (expected csv or json)");
  }
  const auto experiment = vm["experiment"].as<std::string>();
  const auto reader = open_results(vm["db"].as<std::string>(), experiment);
  const store::Reader& db = *reader;
  const auto runs =
      db.runs(experiment, vm["all"].as<bool>() ? store::Scope::All : store::Scope::Current);
  const results::Table out =
      table == "runs" ? results::runs_table(runs) : results::metrics_table(db, runs);
  if (format == "csv") {
    results::write_csv(out, std::cout);
  } else {
    results::write_json(out, std::cout);
  }
  return kOk;
}

}  // namespace optbench::cli
