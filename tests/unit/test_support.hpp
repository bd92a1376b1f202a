// Helpers shared by the tests: a temporary folder, the built plugins, and
// running the optbench binary.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "registry/registry.hpp"
#include "util/temp_dir.hpp"

namespace optbench::testing {

/// A fresh folder "optbench-test-XXXXXX", removed with its contents.
struct TempDir : util::TempDir {
  TempDir() : util::TempDir("test") {}
};

/// The plugins this build made (not the fixtures).
inline const registry::Registry& built_plugins() {
  static const registry::Registry r = registry::Registry::load({OPTBENCH_TEST_PLUGIN_DIR});
  return r;
}

/// One built optimizer plugin opened directly, bypassing the registry, so a
/// test exercises exactly what the plugin exports. Keep it alive for as long
/// as any object it created.
struct RawPlugin {
  boost::dll::shared_library lib;
  OptimizerFactory* create = nullptr;
  PluginInfo info;
};

inline std::unique_ptr<RawPlugin> load_optimizer_library(const std::string& name) {
  auto p = std::make_unique<RawPlugin>();
  p->lib.load(std::string(OPTBENCH_TEST_PLUGIN_DIR) + "/optimizer_" + name + ".so");
  p->create = &p->lib.get_alias<OptimizerFactory>("optbench_create");
  p->info = p->lib.get_alias<PluginInfo()>("optbench_plugin_info")();
  return p;
}

/// Whether `part` occurs in `text` (for messages and outputs).
inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

inline void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

inline std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

struct PngSize {
  std::uint32_t width = 0, height = 0;
};

inline std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i)
    v = (v << 8) | static_cast<unsigned char>(bytes.at(at + i));
  return v;
}

/// Checks the signature and the leading IHDR chunk, returns the image size.
inline PngSize png_size(const std::filesystem::path& file) {
  const std::string bytes = read_file(file);
  static const std::string signature("\x89PNG\r\n\x1a\n", 8);
  EXPECT_GE(bytes.size(), 33u) << file;
  if (bytes.size() < 33) return {};
  EXPECT_EQ(bytes.substr(0, 8), signature) << file;
  EXPECT_EQ(big_endian(bytes, 8), 13u) << "IHDR length in " << file;
  EXPECT_EQ(bytes.substr(12, 4), "IHDR") << file;
  return {big_endian(bytes, 16), big_endian(bytes, 20)};
}

/// An IDX file (the MNIST format): magic, big-endian dimensions, payload.
inline std::string idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                             const std::string& payload) {
  std::string s;
  const auto put32 = [&s](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
      s += static_cast<char>((v >> shift) & 0xff);
  };
  put32(magic);
  for (auto d : dims)
    put32(d);
  return s + payload;
}

/// RFC 4180 records: quoted fields may hold commas, doubled quotes and line
/// breaks. Fails the test when the text is not whole records.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n') {
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote in CSV";
  EXPECT_TRUE(field.empty() && row.empty()) << "CSV does not end with a newline";
  return rows;
}

struct Result {
  int exit_code = -1;
  std::string out;  ///< stdout and stderr together
};

/// Runs `optbench ARGS` through the shell (args are trusted test strings),
/// with the build's plugins only.
inline Result run_optbench(const std::string& args) {
  const std::string command =
      std::string("env -u OPTBENCH_PLUGIN_PATH '") + OPTBENCH_TEST_BINARY + "' " + args + " 2>&1";
  Result r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buf[4096];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;)
    r.out.append(buf, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace optbench::testing
