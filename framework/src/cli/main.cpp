// optbench: which training optimizer works best here, and by how much.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/command.hpp"
#include "cli/failure.hpp"
#include "registry/registry.hpp"
#include "util/openmp_exit.hpp"

namespace {

const char* kUsage = R"(usage: optbench COMMAND [OPTIONS]

commands:
  run FILE.yaml   expand an experiment into runs, train them, store and plot the results
  plugins         list the optimizer, model, dataset and schedule plugins (--describe NAME)
  runs            list the runs in a results database
  query           run a read-only SQL query on a results database, CSV out
  plot            draw an experiment's charts from a results database
  summary         per configuration: final losses over seeds, time to target, rank, best lr
  export          the runs or metrics of a results database as CSV or JSON
  report          a static HTML page of an experiment: its YAML, summary and charts
  rm              delete an experiment's runs (all, or by --status or --run) from a database
  merge IN.db... -o OUT.db
                  combine results files (the shards of run --shard K/N) into one
  new KIND NAME   write a plugin project (optimizer, model, dataset, schedule) for the SDK

'optbench COMMAND --help' shows a command's options.
exit codes: 0 ok, 1 runtime failure (a run failed, a plugin or gnuplot failed),
            2 bad input (usage, experiment file, database path or a missing database,
              an experiment name already used by another file),
            3 the database file is damaged (refused and left unchanged),
            4 run started by mpirun or srun in a build without MPI
)";

}  // namespace

int main(int argc, char** argv) {
  optbench::util::end_openmp_threads_at_exit();
  using namespace optbench::cli;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::cout << kUsage;
    return args.empty() ? kBadInput : kOk;
  }
  if (args[0] == "--version") {
    std::cout << "optbench " << OPTBENCH_VERSION << " (plugin API " << optbench::kApiVersion
              << ")\n";
    return kOk;
  }
  static const std::map<std::string, int (*)(const std::vector<std::string>&)> commands = {
      {"run", cmd_run},
      {"plugins", cmd_plugins},
      {"runs", cmd_runs},
      {"query", cmd_query},
      {"plot", cmd_plot},
      {"summary", cmd_summary},
      {"export", cmd_export},
      {"report", cmd_report},
      {"new", cmd_new},
      {"rm", cmd_rm},
      {"merge", cmd_merge},
      // hidden: one isolated run, started by `run`
      {"worker", cmd_worker},
      // hidden: one plugin library loaded on trial, started by plugin discovery
      {"plugin-probe", cmd_plugin_probe}};
  const auto it = commands.find(args[0]);
  if (it == commands.end()) {
    std::cerr << "optbench: unknown command '" << args[0] << "'\n\n" << kUsage;
    return kBadInput;
  }
  try {
    return it->second({args.begin() + 1, args.end()});
  } catch (...) {
    return report_failure(args[0], std::current_exception());
  }
}
