// optbench rm: deletes an experiment's runs (with their histories) from a
// results database, after asking, so that a rerun trains them afresh.
#include <iostream>
#include <string>

#include "cli/command.hpp"
#include "store/sqlite_store.hpp"

namespace optbench::cli {

int cmd_rm(const std::vector<std::string>& args) {
  po::options_description options("rm options");
  add_db_option(options);
  options.add_options()("experiment,e", po::value<std::string>(), "the experiment (required)")(
      "status", po::value<std::string>(),
      "only runs with this status (pending, running, done, diverged, failed, interrupted)")(
      "run", po::value<std::int64_t>(), "only the run with this id")("yes,y", po::bool_switch(),
                                                                     "do not ask for confirmation");
  po::variables_map vm;
  if (!parse("rm", "--db FILE --experiment NAME [--status S] [--run ID] [--yes]", options, {}, args,
             vm)) {
    return kOk;
  }
  if (!vm.count("experiment")) throw UsageError("which experiment? give --experiment NAME");
  const auto db_path = vm["db"].as<std::string>();
  const auto name = vm["experiment"].as<std::string>();
  std::optional<store::RunStatus> status;
  if (vm.count("status")) {
    try {
      status = store::parse_status(vm["status"].as<std::string>());
    } catch (const store::StoreError&) {
      throw UsageError("--status: unknown status '" + vm["status"].as<std::string>() +
                       "' (expected pending, running, done, diverged, failed or interrupted)");
    }
  }
  std::optional<std::int64_t> run_id;
  if (vm.count("run")) run_id = vm["run"].as<std::int64_t>();
  require_database(db_path);  // a missing file is bad input, not a new database
  auto db = store::SqliteStore::open(db_path);
  if (!db.experiment(name)) throw UsageError("no experiment '" + name + "' in " + db_path);
  const std::size_t n = db.count_runs(name, status, run_id);
  const bool whole = !status && !run_id;
  if (n == 0 && !whole) {
    std::cout << "no run of '" << name << "' matches; nothing deleted\n";
    return kOk;
  }
  const std::string what = whole ? "experiment '" + name + "' and its " + plural(n, "run")
                                 : plural(n, "run") + " of '" + name + "'";
  if (!vm["yes"].as<bool>()) {
    std::cout << "delete " << what << " from " << db_path << "? [y/N] " << std::flush;
    std::string answer;
    std::getline(std::cin, answer);
    if (answer != "y" && answer != "Y" && answer != "yes") {
      std::cout << "nothing deleted\n";
      return kOk;
    }
  }
  db.delete_runs(name, status, run_id);
  std::cout << "deleted " << what << "\n";
  return kOk;
}

}  // namespace optbench::cli
