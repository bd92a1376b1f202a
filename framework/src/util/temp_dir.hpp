// A private scratch folder: gnuplot's drafts, and the files of a test or a
// benchmark.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace optbench::util {

/// A fresh folder "optbench-<owner>-XXXXXX" under the system temp dir, made
/// by mkdtemp (so it is new, and readable by this user only), removed with
/// its contents when this goes.
class TempDir {
 public:
  /// Throws std::runtime_error "<owner>: cannot create a temporary directory
  /// in <temp dir>" when mkdtemp fails.
  explicit TempDir(std::string_view owner);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace optbench::util
