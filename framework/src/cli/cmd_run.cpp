// optbench run FILE.yaml: validate, expand, train, store, plot.
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/command.hpp"
#include "cli/plot_options.hpp"
#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "plot/plot.hpp"
#include "registry/registry.hpp"
#include "run/runner.hpp"
#include "store/store.hpp"

namespace optbench::cli {

namespace fs = std::filesystem;

int cmd_run(const std::vector<std::string>& args) {
  po::options_description options("run options");
  options.add_options()("file", po::value<std::string>()->required(), "the experiment (YAML)")(
      "out,o", po::value<std::string>()->default_value("results"),
      "folder for the database and charts")("db", po::value<std::string>(),
                                            "results database (default: OUT/optbench.db)")(
      "jobs,j", po::value<int>()->default_value(0),
      "runs trained at once, each on one thread (0: one per core)")(
      "dry-run", po::bool_switch(), "validate and list the runs without training")(
      "no-plots", po::bool_switch(), "do not draw charts at the end")("quiet,q", po::bool_switch(),
                                                                      "print only the summary");
  add_plot_options(options);
  add_plugin_dir_option(options);
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse("run", "FILE.yaml [options]", options, positional, args, vm)) return kOk;

  const auto plugins = registry::Registry::load(registry::search_path(plugin_dirs(vm)));
  warn_rejected(plugins);
  const fs::path file = vm["file"].as<std::string>();
  const auto spec = experiment::load_file(file, plugins);
  const auto runs = experiment::expand(spec, plugins);
  const auto charts = plot_options(vm, fs::path(vm["out"].as<std::string>()) / spec.name);

  if (vm["dry-run"].as<bool>()) {
    std::cout << "experiment " << spec.name << ": " << runs.size() << " runs\n";
    for (const auto& r : runs) {
      std::cout << "  " << r.config_hash << "  " << r.label << " on " << r.problem_key << ", seed "
                << r.seed << "\n";
    }
    return kOk;
  }

  const fs::path out = vm["out"].as<std::string>();
  const fs::path db = vm.count("db") ? fs::path(vm["db"].as<std::string>()) : out / "optbench.db";
  if (db.has_parent_path()) fs::create_directories(db.parent_path());
  int jobs = vm["jobs"].as<int>();
  if (jobs < 0) throw UsageError("--jobs must be >= 0");
  if (jobs == 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  const bool quiet = vm["quiet"].as<bool>();
  std::cout << "experiment " << spec.name << ": " << runs.size() << " runs on " << jobs
            << (jobs == 1 ? " job" : " jobs") << ", results in " << db.string() << "\n";
  const auto result = run::run_sweep(spec, runs, plugins, {db, jobs, quiet ? nullptr : &std::cout});
  std::cout << result.done << " done, " << result.diverged << " diverged, " << result.failed
            << " failed, " << result.skipped << " already in the database\n";

  if (!vm["no-plots"].as<bool>()) {
    const auto store = store::Store::open(db, store::Store::Mode::ReadOnly);
    const auto kinds =
        spec.plots.empty()
            ? plot::default_kinds(store.runs(spec.name), spec.target_loss || charts.target_loss)
            : spec.plots;
    for (const auto& chart : plot::draw(store, spec.name, kinds, charts)) {
      std::cout << "chart: " << chart.string() << "\n";
    }
  }
  std::cout << "database: " << db.string() << "\n";
  return result.failed ? kRuntimeFailure : kOk;
}

}  // namespace optbench::cli
