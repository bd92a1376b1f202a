// optbench new optimizer|model|dataset|schedule NAME [--dir DIR]: writes a plugin
// project (NAME.cpp and a CMakeLists.txt using find_package(optbench)) that
// builds against the installed SDK as it stands.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/command.hpp"
#include "embedded_templates.hpp"
#include "optbench/plugin.hpp"

namespace optbench::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxNameLength = 64;

// The name becomes a YAML key, a file name, a CMake target (<kind>_<name>)
// and, capitalised, a C++ class name, so it keeps to what all four accept.
void check_name(const std::string& name) {
  const auto bad = [&](const std::string& why) {
    throw UsageError(std::string("invalid plugin name '") + name + "': " + why);
  };
  if (name.empty()) bad("it is empty");
  if (name.size() > kMaxNameLength) {
    bad(std::string("longer than ") + std::to_string(kMaxNameLength) + " characters");
  }
  if (!std::islower(static_cast<unsigned char>(name[0]))) {
    bad("expected a lowercase letter first (a-z)");
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!std::islower(u) && !std::isdigit(u) && c != '_') {
      bad("expected only lowercase letters, digits and '_'");
    }
  }
}

// my_opt2 -> MyOpt2
std::string class_name(const std::string& name) {
  std::string out;
  bool upper = true;
  for (char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

std::string_view template_text(const std::string& file) {
  for (const auto& t : templates::files()) {
    if (t.name == file) return t.text;
  }
  throw std::logic_error(std::string("template ") + file + " is not embedded in this optbench");
}

std::string render(std::string_view text,
                   const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out(text);
  for (const auto& [key, value] : values) {
    const std::string placeholder = std::string("@").append(key).append("@");
    for (auto at = out.find(placeholder); at != std::string::npos;
         at = out.find(placeholder, at + value.size())) {
      out.replace(at, placeholder.size(), value);
    }
  }
  return out;
}

}  // namespace

int cmd_new(const std::vector<std::string>& args) {
  po::options_description options("new options");
  options.add_options()("kind", po::value<std::string>()->required(),
                        "optimizer, model, dataset or schedule")(
      "name", po::value<std::string>()->required(),
      "plugin name: a lowercase letter, then lowercase letters, digits or '_'")(
      "dir", po::value<std::string>(), "project folder to write (default: ./NAME)");
  po::positional_options_description positional;
  positional.add("kind", 1).add("name", 1);
  po::variables_map vm;
  if (!parse("new", "optimizer|model|dataset|schedule NAME [--dir DIR]", options, positional, args,
             vm)) {
    return kOk;
  }
  const auto kind = vm["kind"].as<std::string>();
  const auto name = vm["name"].as<std::string>();
  if (kind != "optimizer" && kind != "model" && kind != "dataset" && kind != "schedule") {
    throw UsageError(std::string("unknown plugin kind '") + kind +
                     "': expected optimizer, model, dataset or schedule");
  }
  check_name(name);
  const fs::path dir = vm.count("dir") ? fs::path(vm["dir"].as<std::string>()) : fs::path(name);

  const std::vector<std::pair<std::string, std::string>> values = {
      {"name", name},
      {"kind", kind},
      {"class", class_name(name)},
      {"api", std::to_string(kApiVersion)}};
  const std::vector<std::pair<fs::path, std::string>> outputs = {
      {dir / "CMakeLists.txt", render(template_text("CMakeLists.txt.in"), values)},
      {dir / (name + ".cpp"), render(template_text(kind + ".cpp.in"), values)}};

  // Nothing is written unless every file can be: an existing one is refused.
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
    throw UsageError(dir.string() + " exists and is not a folder");
  }
  for (const auto& [file, text] : outputs) {
    if (fs::exists(fs::symlink_status(file, ec))) {
      throw UsageError(file.string() +
                       " already exists; not overwriting it (choose another "
                       "--dir or remove the file)");
    }
  }
  fs::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error(std::string("cannot create ") + dir.string() + ": " + ec.message());
  for (const auto& [file, text] : outputs) {
    std::ofstream out(file, std::ios::binary);
    out << text;
    out.close();
    if (!out) throw std::runtime_error(std::string("cannot write ") + file.string());
    std::cout << "wrote " << file.string() << "\n";
  }
  std::cout << "build it against an installed optbench:\n"
            << "  cmake -S " << dir.string() << " -B " << (dir / "build").string()
            << " -DCMAKE_PREFIX_PATH=<optbench install prefix>\n"
            << "  cmake --build " << (dir / "build").string() << "\n"
            << "  optbench plugins --plugin-dir " << (dir / "build" / "optbench-plugins").string()
            << "\n";
  return kOk;
}

}  // namespace optbench::cli
