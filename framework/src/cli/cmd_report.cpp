// optbench report: a static HTML page of one experiment.
#include <iostream>

#include "cli/command.hpp"
#include "report/report.hpp"
#include "store/backend.hpp"

namespace optbench::cli {

int cmd_report(const std::vector<std::string>& args) {
  po::options_description options("report options");
  add_db_option(options);
  options.add_options()("experiment,e", po::value<std::string>(), "experiment name")(
      "leaderboard", po::bool_switch(),
      "a page ranking the optimizers across every experiment of the database (a suite)")(
      "out,o", po::value<std::string>(),
      "output folder (default: EXPERIMENT/report beside the database)")(
      "all", po::bool_switch(), "also the runs an edit of the experiment set aside")(
      "linear-y", po::bool_switch(), "loss axes on a linear scale (default: log)");
  add_target_option(options);
  po::variables_map vm;
  if (!parse("report", "--experiment NAME | --leaderboard [--db FILE] [--out DIR] [--target LOSS]",
             options, {}, args, vm)) {
    return kOk;
  }
  const bool board = vm["leaderboard"].as<bool>();
  if (board == (vm.count("experiment") > 0)) {
    throw UsageError("report: give --experiment NAME or --leaderboard");
  }
  if (board) {
    report::Options o;
    o.out_dir = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                : beside(vm["db"].as<std::string>()) / "leaderboard";
    if (vm["all"].as<bool>()) o.scope = store::Scope::All;
    o.target_loss = target_option(vm);
    require_database(vm["db"].as<std::string>());
    const auto reader = store::open_reader(vm["db"].as<std::string>());
    std::cout << "report: " << report::write_leaderboard(*reader, reader->experiments(), o).string()
              << "\n";
    return kOk;
  }
  const auto experiment = vm["experiment"].as<std::string>();
  report::Options o;
  o.out_dir = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                              : beside(vm["db"].as<std::string>()) / experiment / "report";
  if (vm["all"].as<bool>()) o.scope = store::Scope::All;
  o.target_loss = target_option(vm);
  o.log_y = !vm["linear-y"].as<bool>();
  const auto reader = open_results(vm["db"].as<std::string>(), experiment);
  const store::Reader& db = *reader;
  std::cout << "report: " << report::write(db, experiment, o).string() << "\n";
  return kOk;
}

}  // namespace optbench::cli
