// optbench runs: the runs table of a results database.
#include <cstdio>
#include <iostream>

#include "cli/command.hpp"
#include "cli/text_table.hpp"
#include "store/backend.hpp"

namespace optbench::cli {

namespace {
std::string fmt(const char* format, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, x);
  return buf;
}
}  // namespace

int cmd_runs(const std::vector<std::string>& args) {
  po::options_description options("runs options");
  add_db_option(options);
  options.add_options()("experiment,e", po::value<std::string>()->default_value(""),
                        "only this experiment")("all", po::bool_switch(),
                                                "also the runs an edit of an experiment set aside");
  po::variables_map vm;
  if (!parse("runs", "[--db FILE] [--experiment NAME]", options, {}, args, vm)) return kOk;
  const auto reader = open_results(vm["db"].as<std::string>());
  const store::Reader& db = *reader;
  TextTable t({"id", "experiment", "optimizer", "problem", "seed", "status", "steps", "final loss",
               "seconds"});
  const auto scope = vm["all"].as<bool>() ? store::Scope::All : store::Scope::Current;
  for (const auto& r : db.runs(vm["experiment"].as<std::string>(), scope)) {
    t.add({std::to_string(r.id), r.experiment, r.label, r.problem_key, std::to_string(r.seed),
           to_string(r.status), std::to_string(r.steps), fmt("%.6g", r.final_loss),
           fmt("%.3f", r.wall_seconds)});
  }
  t.print(std::cout);
  return kOk;
}

}  // namespace optbench::cli
