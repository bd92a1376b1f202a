#include "util/temp_dir.hpp"

#include <stdlib.h>

#include <stdexcept>
#include <system_error>

namespace optbench::util {

namespace fs = std::filesystem;

TempDir::TempDir(std::string_view owner) {
  std::string name = "optbench-";
  name.append(owner).append("-XXXXXX");
  std::string pattern = (fs::temp_directory_path() / name).string();
  if (mkdtemp(pattern.data()) == nullptr) {
    std::string message(owner);
    message.append(": cannot create a temporary directory in ")
        .append(fs::temp_directory_path().string());
    throw std::runtime_error(message);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace optbench::util
