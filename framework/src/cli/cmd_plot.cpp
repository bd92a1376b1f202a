// optbench plot: redraw an experiment's charts from the database alone.
#include <iostream>

#include "cli/command.hpp"
#include "cli/plot_options.hpp"
#include "plot/plot.hpp"
#include "store/backend.hpp"

namespace optbench::cli {

int cmd_plot(const std::vector<std::string>& args) {
  po::options_description options("plot options");
  std::string kinds;
  for (const auto& k : plot::kinds())
    kinds += (kinds.empty() ? "" : ", ") + k;
  add_db_option(options);
  options.add_options()("experiment,e", po::value<std::string>()->required(), "experiment name")(
      "out,o", po::value<std::string>(), "output folder (default: EXPERIMENT beside the database)")(
      "all", po::bool_switch(), "also the runs an edit of the experiment set aside")(
      "kind,k", po::value<std::vector<std::string>>()->composing(),
      ("chart kind, repeatable (default: all that apply): " + kinds).c_str());
  add_plot_options(options);
  po::variables_map vm;
  if (!parse("plot", "--experiment NAME [--db FILE] [--out DIR] [--kind K]...", options, {}, args,
             vm)) {
    return kOk;
  }
  const auto experiment = vm["experiment"].as<std::string>();
  const auto out = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                   : beside(vm["db"].as<std::string>()) / experiment;
  std::vector<std::string> selected;
  if (vm.count("kind")) selected = vm["kind"].as<std::vector<std::string>>();
  const auto reader = open_results(vm["db"].as<std::string>(), experiment);
  const store::Reader& db = *reader;
  auto charts = plot_options(vm, out);
  if (vm["all"].as<bool>()) charts.scope = store::Scope::All;
  for (const auto& chart : plot::draw(db, experiment, selected, charts)) {
    std::cout << "chart: " << chart.string() << "\n";
  }
  return kOk;
}

}  // namespace optbench::cli
