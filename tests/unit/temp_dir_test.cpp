// util::TempDir, the scratch folder of charts, tests and benchmarks: each one
// is new, private to this user, and goes away with everything put in it.
#include "util/temp_dir.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

namespace fs = std::filesystem;
using optbench::util::TempDir;

TEST(TempDir, IsAFreshPrivateFolderNamedForItsOwner) {
  const TempDir a("owner"), b("owner");
  EXPECT_NE(a.path(), b.path());
  for (const TempDir* dir : {&a, &b}) {
    EXPECT_TRUE(fs::is_directory(dir->path())) << dir->path();
    EXPECT_TRUE(fs::is_empty(dir->path())) << dir->path();
    EXPECT_EQ(dir->path().parent_path(), fs::temp_directory_path());
    const std::string name = dir->path().filename().string();
    EXPECT_EQ(name.size(), std::string("optbench-owner-XXXXXX").size()) << name;
    EXPECT_EQ(name.rfind("optbench-owner-", 0), 0u) << name;
    EXPECT_EQ(fs::status(dir->path()).permissions(), fs::perms::owner_all) << name;
  }
  EXPECT_EQ(a / "x.db", a.path() / "x.db");
}

TEST(TempDir, IsRemovedWithItsContents) {
  std::optional<TempDir> dir;
  dir.emplace("owner");
  const fs::path path = dir->path();
  fs::create_directories(path / "a" / "b");
  std::ofstream(path / "a" / "b" / "file.txt") << "text";
  dir.reset();
  EXPECT_FALSE(fs::exists(path)) << path;
}

// Not even root may make a folder in /proc, so this fails on every machine.
TEST(TempDir, NamesItsOwnerAndTheTempDirWhenItCannotBeMade) {
  const char* previous = getenv("TMPDIR");
  const std::optional<std::string> saved =
      previous ? std::optional<std::string>(previous) : std::nullopt;
  setenv("TMPDIR", "/proc", 1);
  std::string message = "<no exception>";
  try {
    TempDir dir("plot");
  } catch (const std::runtime_error& e) {
    message = e.what();
  }
  if (saved)
    setenv("TMPDIR", saved->c_str(), 1);
  else
    unsetenv("TMPDIR");
  EXPECT_EQ(message, "plot: cannot create a temporary directory in /proc");
}

}  // namespace
