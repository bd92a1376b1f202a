// A library whose load code segfaults, exits or hangs is refused with its
// path and what happened, and the host goes on; before, `optbench plugins`
// and `optbench run` died with 139, exited 0 having done nothing, or hung.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>

#include "process_support.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

class PluginScan : public ::testing::Test {
 protected:
  // optbench with the load-fault folder, a 1 s probe limit and this test's
  // own cache file.
  testing::Result optbench(const std::string& args) {
    const std::string command =
        "env -u OPTBENCH_PLUGIN_PATH OPTBENCH_PLUGIN_SCAN_TIMEOUT=1 OPTBENCH_PLUGIN_CACHE='" +
        cache().string() + "' '" + OPTBENCH_TEST_BINARY + "' " + args +
        " --plugin-dir '" OPTBENCH_TEST_LOAD_FAULT_PLUGIN_DIR "' 2>&1";
    testing::Result r;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return r;
    char buf[4096];
    for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;)
      r.out.append(buf, n);
    const int status = pclose(pipe);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
  }
  fs::path cache() const { return dir_.path() / "scan.tsv"; }

  static void expect_reasons(const std::string& out) {
    const std::string dir = OPTBENCH_TEST_LOAD_FAULT_PLUGIN_DIR;
    for (const std::string& line :
         {"skipped plugin " + dir +
              "/load_segfault.so: loading it killed the scanning process with SIGSEGV "
              "(Segmentation fault)",
          "skipped plugin " + dir +
              "/load_exit.so: loading it ended the scanning process (exit status 0) before "
              "optbench could check it",
          "skipped plugin " + dir +
              "/load_hang.so: loading it did not finish within 1 s (code that runs on load "
              "hangs?)"}) {
      EXPECT_NE(out.find(line), std::string::npos) << "missing: " << line << "\nin:\n" << out;
    }
  }
  testing::TempDir dir_;
};

TEST_F(PluginScan, PluginsListsTheGoodOnesAndNamesEachBadLibrary) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const auto first = optbench("plugins");
  const double first_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  EXPECT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("adam"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("quadratic"), std::string::npos) << first.out;
  expect_reasons(first.out);
  EXPECT_GE(first_seconds, 1.0) << "the hanging library was waited for";

  // What was learned is kept by file identity: the next listing does not
  // load the libraries again, nor wait for the hanging one.
  const std::string cached = testing::read_file(cache());
  for (const char* name : {"load_segfault.so", "load_exit.so", "load_hang.so", "optimizer_adam.so"})
    EXPECT_NE(cached.find(name), std::string::npos) << name << " not in the cache:\n" << cached;
  const auto t1 = Clock::now();
  const auto second = optbench("plugins");
  const double second_seconds = std::chrono::duration<double>(Clock::now() - t1).count();
  EXPECT_EQ(second.exit_code, 0) << second.out;
  expect_reasons(second.out);
  EXPECT_LT(second_seconds, 1.0) << "the cache was not used";
}

TEST_F(PluginScan, RunTrainsWithABadLibraryInThePluginFolders) {
  const auto yaml = dir_.path() / "e.yaml";
  testing::write_file(
      yaml,
      "name: e\nmodel: quadratic\noptimizers: [{name: sgd, lr: 0.1}, adam]\ntrain: {steps: 5}\n");
  for (const char* mode : {"--in-process", "--isolate"}) {
    const auto db = dir_.path() / (std::string(mode + 2) + ".db");
    const auto r = optbench("run '" + yaml.string() + "' --db '" + db.string() +
                            "' --no-plots --jobs 2 " + mode);
    EXPECT_EQ(r.exit_code, 0) << mode << "\n" << r.out;
    expect_reasons(r.out);
    EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM runs WHERE status = 'done'"), "2")
        << mode << "\n"
        << r.out;
  }
}

}  // namespace
}  // namespace optbench
