// optbench merge: combines results files (the shards of `optbench run
// --shard K/N`, one per task of a job array) into one.
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "cli/command.hpp"
#include "store/backend.hpp"
#include "store/merge.hpp"

namespace optbench::cli {

namespace fs = std::filesystem;

namespace {

// Every file's experiments against the output's and each other's, before
// anything is written: one conflicting shard leaves the output untouched.
void check_definitions(const fs::path& out, const std::vector<std::string>& inputs) {
  std::map<std::string, std::pair<std::string, std::string>> seen;  // name -> (yaml, file)
  auto take = [&](const fs::path& file) {
    for (const auto& e : store::open_reader(file)->experiments()) {
      const auto [it, added] = seen.try_emplace(e.name, e.yaml, file.string());
      if (!added && it->second.first != e.yaml) {
        throw store::MergeConflict(file.string() + ": experiment '" + e.name +
                                   "' is defined differently there than in " + it->second.second +
                                   ": the texts differ, so their runs are not results of one "
                                   "experiment; merge only shards of one experiment file");
      }
    }
  };
  if (fs::exists(out)) take(out);
  for (const auto& in : inputs)
    take(in);
}

}  // namespace

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description options("merge options");
  options.add_options()("inputs", po::value<std::vector<std::string>>(), "results files to merge")(
      "out,o", po::value<std::string>(),
      "the merged file (created if missing; its folder must exist)");
  po::positional_options_description positional;
  positional.add("inputs", -1);
  po::variables_map vm;
  if (!parse("merge", "IN.db... -o OUT.db", options, positional, args, vm)) return kOk;
  if (!vm.count("out")) throw UsageError("where to? give the merged file: -o OUT.db");
  if (!vm.count("inputs"))
    throw UsageError("which files? give them: optbench merge IN.db... -o OUT.db");
  const fs::path out = vm["out"].as<std::string>();
  const fs::path folder = out.has_parent_path() ? out.parent_path() : fs::path(".");
  if (!fs::is_directory(folder))
    throw UsageError("-o " + out.string() + ": the folder " + folder.string() +
                     " does not exist; create it first");
  const auto inputs = vm["inputs"].as<std::vector<std::string>>();
  for (const auto& in : inputs) {
    require_database(in);
    if (fs::exists(out) && fs::equivalent(in, out))
      throw UsageError(in + " is the output file; give another -o");
  }
  check_definitions(out, inputs);
  std::size_t copied = 0, already = 0;
  for (const auto& in : inputs) {
    const auto counts = store::merge(out, in);
    std::cout << in << ": " << plural(counts.copied, "run") << " copied, " << counts.already
              << " already in " << out.string() << "\n";
    copied += counts.copied;
    already += counts.already;
  }
  std::cout << "merged " << plural(inputs.size(), "file") << " into " << out.string() << ": "
            << plural(copied, "run") << " copied, " << already << " already there\n";
  return kOk;
}

}  // namespace optbench::cli
