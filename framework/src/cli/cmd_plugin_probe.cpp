// optbench plugin-probe (hidden): loads one plugin library on trial, in a
// process of its own, for plugin discovery (registry/scan.hpp). Not meant
// to be typed by hand.
#include "cli/command.hpp"
#include "registry/scan.hpp"

namespace optbench::cli {

int cmd_plugin_probe(const std::vector<std::string>& args) {
  po::options_description options("plugin-probe options");
  options.add_options()("file", po::value<std::string>()->required(), "the library")(
      "verdict", po::value<std::string>()->required(), "where to write the verdict");
  po::positional_options_description positional;
  positional.add("file", 1);
  po::variables_map vm;
  if (!parse("plugin-probe", "FILE --verdict FILE", options, positional, args, vm)) return kOk;
  return registry::run_probe(vm["file"].as<std::string>(), vm["verdict"].as<std::string>());
}

}  // namespace optbench::cli
