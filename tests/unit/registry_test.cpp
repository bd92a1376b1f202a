// The plugin loader: good plugins load with their metadata, broken ones are
// refused with their path and the reason, and objects keep their library.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "registry/registry.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using registry::Registry;

const fs::path kFixtures = OPTBENCH_TEST_FIXTURE_PLUGIN_DIR;

std::string reason_for(const Registry& r, const std::string& file) {
  for (const auto& x : r.rejected()) {
    if (x.path.filename() == file) return x.reason;
  }
  return "(not rejected)";
}

// The file stems in `folder` with the given extension, or its subfolders
// holding a CMakeLists.txt (except common/), sorted.
std::vector<std::string> source_names(const fs::path& folder, const std::string& extension) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(OPTBENCH_TEST_SOURCE_DIR) / folder)) {
    const auto& path = entry.path();
    if (extension.empty()) {
      if (entry.is_directory() && path.filename() != "common" &&
          fs::exists(path / "CMakeLists.txt"))
        out.push_back(path.filename().string());
    } else if (path.extension() == extension) {
      out.push_back(path.stem().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// One optimizer per folder of plugins/optimizers/, named as its folder, and
// one model per function of plugins/models/functions2d/.
TEST(Registry, LoadsEveryBuiltInOptimizerAndFunction) {
  const auto& r = testing::built_plugins();
  EXPECT_TRUE(r.rejected().empty());
  const auto optimizers = source_names("plugins/optimizers", "");
  EXPECT_GE(optimizers.size(), 9u);
  EXPECT_EQ(r.names(PluginKind::Optimizer), optimizers);
  const auto functions = source_names("plugins/models/functions2d", ".cpp");
  EXPECT_GE(functions.size(), 6u);
  for (const auto& m : functions) {
    const auto* p = r.find(PluginKind::Model, m);
    ASSERT_NE(p, nullptr) << m;
    EXPECT_EQ(p->info.api_version, kApiVersion);
    EXPECT_EQ(p->info.version, "1.0.0");
    EXPECT_EQ(p->path.filename(), "model_" + m + ".so");
  }
}

TEST(Registry, RefusesBrokenPluginsWithPathAndReasonAndKeepsTheRest) {
  const auto r = Registry::load({kFixtures});
  // The fixture reports this SDK's version plus 41.
  EXPECT_NE(reason_for(r, "wrong_api.so")
                .find("API version " + std::to_string(kApiVersion + 41) +
                      ", but this optbench has API version " + std::to_string(kApiVersion)),
            std::string::npos)
      << reason_for(r, "wrong_api.so");
  EXPECT_NE(reason_for(r, "missing_create.so").find("missing symbol optbench_create"),
            std::string::npos);
  EXPECT_NE(reason_for(r, "not_a_library.so").find("no ELF header"), std::string::npos);
  EXPECT_NE(reason_for(r, "truncated.so").find("truncated: a loadable segment ends at byte"),
            std::string::npos)
      << reason_for(r, "truncated.so");
  for (const auto& x : r.rejected())
    EXPECT_EQ(x.path.parent_path(), kFixtures);
  // The loadable fixtures are still there.
  EXPECT_NE(r.find(PluginKind::Optimizer, "throwing"), nullptr);
  EXPECT_NE(r.find(PluginKind::Optimizer, "sgd"), nullptr);
}

// Hostile plugin files beyond the four above: each refused with its reason,
// none of them stops the registry.
TEST(Registry, RefusesNonPluginLibrariesThrowingInfoAndCutFiles) {
  const auto r = Registry::load({kFixtures});
  EXPECT_EQ(reason_for(r, "no_exports.so"),
            "missing symbol optbench_api_version (not built with an OPTBENCH_*_PLUGIN macro)");
  EXPECT_EQ(reason_for(r, "throwing_info.so"), "optbench_plugin_info threw: schema file missing");
  EXPECT_EQ(reason_for(r, "empty.so"), "not a shared library (file shorter than an ELF header)");
  EXPECT_NE(reason_for(r, "elf_header_only.so")
                .find("truncated: the program header table ends past the end of the file"),
            std::string::npos)
      << reason_for(r, "elf_header_only.so");
  EXPECT_EQ(r.rejected().size(), 8u);
}

TEST(Registry, LaterFolderShadowsEarlierAndSaysSo) {
  const auto r = Registry::load({OPTBENCH_TEST_PLUGIN_DIR, kFixtures});
  const auto* sgd = r.find(PluginKind::Optimizer, "sgd");
  ASSERT_NE(sgd, nullptr);
  EXPECT_EQ(sgd->info.version, "9.9.9");
  ASSERT_EQ(r.shadowed().size(), 1u);
  EXPECT_EQ(r.shadowed()[0].name, "sgd");
  EXPECT_EQ(r.shadowed()[0].winner.filename(), "shadow_sgd.so");
  EXPECT_EQ(r.shadowed()[0].loser.filename(), "optimizer_sgd.so");
}

TEST(Registry, PluginExceptionBecomesPluginErrorWithMessage) {
  const auto r = Registry::load({kFixtures});
  try {
    r.make_optimizer("throwing", {});
    FAIL() << "expected PluginError";
  } catch (const registry::PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("fixture factory failed on purpose"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("throwing_optimizer.so"), std::string::npos);
  }
}

TEST(Registry, UnknownNameListsKnownOnes) {
  try {
    testing::built_plugins().make_optimizer("adamm", {});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown optimizer 'adamm'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("adam, adam_textbook"), std::string::npos);
  }
}

TEST(Registry, ObjectKeepsItsLibraryLoadedAfterTheRegistryIsGone) {
  std::shared_ptr<Optimizer> optimizer;
  {
    const auto r = Registry::load({OPTBENCH_TEST_PLUGIN_DIR});
    optimizer = r.make_optimizer("adam", {{"lr", 0.5}});
  }
  // The registry and its handles are gone; the optimizer's code must still
  // be mapped for these virtual calls (a crash here means it was unloaded).
  float value[2] = {1.0f, -1.0f}, grad[2] = {1.0f, -1.0f};
  const ParamBuffer p{"w", value, grad, 2};
  optimizer->attach(std::span(&p, 1));
  optimizer->step();
  EXPECT_FLOAT_EQ(value[0], 0.5f);  // Adam's first step moves by lr * sign(g)
  EXPECT_FLOAT_EQ(value[1], -0.5f);
  optimizer.reset();
}

TEST(Registry, SearchPathPutsExplicitFoldersLastSoTheyWin) {
  setenv("OPTBENCH_PLUGIN_PATH", "/env/one:/env/two", 1);
  const auto dirs = registry::search_path({"/flag/dir"});
  unsetenv("OPTBENCH_PLUGIN_PATH");
  ASSERT_GE(dirs.size(), 4u);
  EXPECT_EQ(dirs.front(), fs::path(OPTBENCH_TEST_PLUGIN_DIR));
  EXPECT_EQ(dirs[dirs.size() - 3], fs::path("/env/one"));
  EXPECT_EQ(dirs[dirs.size() - 2], fs::path("/env/two"));
  EXPECT_EQ(dirs.back(), fs::path("/flag/dir"));
}

// The plugin example in README.md, extracted and compiled by CMake as
// written: it must load and behave as the README says (sign of g times lr).
TEST(Registry, ReadmeExamplePluginLoadsAndSteps) {
  const auto r = Registry::load({OPTBENCH_TEST_README_PLUGIN_DIR});
  ASSERT_TRUE(r.rejected().empty()) << r.rejected()[0].reason;
  const auto* p = r.find(PluginKind::Optimizer, "signsgd");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->info.schema.at(0).name, "lr");
  auto optimizer = r.make_optimizer("signsgd", {{"lr", 0.5}});
  float value[3] = {1.0f, 1.0f, 1.0f}, grad[3] = {2.0f, -0.1f, 0.0f};
  const ParamBuffer buffer{"w", value, grad, 3};
  optimizer->attach(std::span(&buffer, 1));
  optimizer->step();
  EXPECT_FLOAT_EQ(value[0], 0.5f);
  EXPECT_FLOAT_EQ(value[1], 1.5f);
  EXPECT_FLOAT_EQ(value[2], 1.0f);
  EXPECT_THROW(r.make_optimizer("signsgd", {{"lr", -1.0}}), std::invalid_argument);
}

}  // namespace
}  // namespace optbench
