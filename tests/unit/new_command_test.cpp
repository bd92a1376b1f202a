// `optbench new`: what it writes, the names it refuses and the files it will
// not overwrite. That the written projects build against an installed SDK and
// train is the ctest sdk_out_of_tree_new (tests/out_of_tree/sdk_test.sh).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>

#include "test_support.hpp"

namespace optbench {
namespace {

using testing::read_file;
using testing::run_optbench;
using testing::TempDir;

TEST(NewCommand, WritesAProjectWithTheNameFilledInEverywhere) {
  TempDir tmp;
  for (const std::string kind : {"optimizer", "model", "dataset", "schedule"}) {
    const auto dir = tmp / kind;
    const auto r = run_optbench("new " + kind + " my_rule2 --dir '" + dir.string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("wrote " + (dir / "my_rule2.cpp").string()), std::string::npos) << r.out;

    const auto cmake = read_file(dir / "CMakeLists.txt");
    EXPECT_NE(cmake.find("find_package(optbench REQUIRED)"), std::string::npos) << cmake;
    EXPECT_NE(cmake.find("optbench_add_plugin(my_rule2 KIND " + kind +
                         " SOURCES my_rule2.cpp API_VERSION " + std::to_string(kApiVersion) + ")"),
              std::string::npos)
        << cmake;
    const auto source = read_file(dir / "my_rule2.cpp");
    EXPECT_NE(source.find("info.name = \"my_rule2\";"), std::string::npos) << source;
    EXPECT_NE(source.find("class MyRule2 final : public optbench::"), std::string::npos) << source;
    const std::string macro = kind == "optimizer" ? "OPTBENCH_OPTIMIZER_PLUGIN(info, create)"
                              : kind == "model"   ? "OPTBENCH_MODEL_PLUGIN(info, create)"
                              : kind == "dataset" ? "OPTBENCH_DATASET_PLUGIN(info, create)"
                                                  : "OPTBENCH_SCHEDULE_PLUGIN(info, create)";
    EXPECT_NE(source.find(macro), std::string::npos) << source;
    // No placeholder (@name@, @class@, ...) is left in either file.
    EXPECT_EQ(cmake.find('@'), std::string::npos) << cmake;
    EXPECT_EQ(source.find('@'), std::string::npos) << source;
  }
}

TEST(NewCommand, WithoutDirWritesToAFolderNamedAfterThePlugin) {
  TempDir tmp;
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(tmp.path());  // the child inherits it
  const auto r = run_optbench("new dataset my_data");
  std::filesystem::current_path(previous);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(tmp / "my_data" / "CMakeLists.txt"));
  EXPECT_NE(read_file(tmp / "my_data" / "my_data.cpp").find("public optbench::Dataset"),
            std::string::npos);
}

TEST(NewCommand, RefusesNamesThatCannotBeAPluginName) {
  const std::pair<std::string, std::string> cases[] = {
      {"MyOpt", "invalid plugin name 'MyOpt': expected a lowercase letter first (a-z)"},
      {"2adam", "invalid plugin name '2adam': expected a lowercase letter first (a-z)"},
      {"my-opt", "invalid plugin name 'my-opt': expected only lowercase letters, digits and '_'"},
      {"my.opt", "invalid plugin name 'my.opt': expected only lowercase letters, digits and '_'"},
      {"''", "invalid plugin name '': it is empty"},
      {std::string(65, 'a'), "longer than 64 characters"},
  };
  TempDir tmp;
  for (const auto& [name, message] : cases) {
    const auto r = run_optbench("new optimizer " + name + " --dir '" + (tmp / "x").string() + "'");
    EXPECT_EQ(r.exit_code, 2) << name << ": " << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << name << ": " << r.out;
  }
  EXPECT_FALSE(std::filesystem::exists(tmp / "x")) << "a refused name wrote files";
}

TEST(NewCommand, RefusesAnUnknownKind) {
  const auto r = run_optbench("new scheduler warmup");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("unknown plugin kind 'scheduler': expected optimizer, model, dataset or "
                       "schedule"),
            std::string::npos)
      << r.out;
}

TEST(NewCommand, NeverOverwritesAndWritesNothingWhenOneFileExists) {
  TempDir tmp;
  const auto dir = tmp / "proj";
  std::filesystem::create_directories(dir);
  testing::write_file(dir / "CMakeLists.txt", "# mine\n");
  const auto r = run_optbench("new model mine --dir '" + dir.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find((dir / "CMakeLists.txt").string() + " already exists; not overwriting it"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(read_file(dir / "CMakeLists.txt"), "# mine\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "mine.cpp"));

  testing::write_file(tmp / "file", "x");
  const auto on_file = run_optbench("new model mine --dir '" + (tmp / "file").string() + "'");
  EXPECT_EQ(on_file.exit_code, 2) << on_file.out;
  EXPECT_NE(on_file.out.find("exists and is not a folder"), std::string::npos) << on_file.out;
}

}  // namespace
}  // namespace optbench
