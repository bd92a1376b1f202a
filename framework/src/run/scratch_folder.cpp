#include "run/scratch_folder.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <system_error>

namespace optbench::run {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPrefix = "optbench-rank-";
constexpr const char* kLockName = "owner.lock";
// A folder without a lock file is left this long: its owner may be between
// creating the folder and naming its lock file.
constexpr auto kLocklessAge = std::chrono::hours(24);

bool changed_within(const fs::path& folder, fs::file_time_type::duration age) {
  std::error_code ec;
  const auto cutoff = fs::file_time_type::clock::now() - age;
  auto newest = fs::last_write_time(folder, ec);
  if (ec) return true;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    const auto t = entry.last_write_time(ec);
    if (ec) return true;
    if (t > newest) newest = t;
  }
  return ec || newest > cutoff;
}

// Removes `folder` if its owner is gone.
bool remove_if_abandoned(const fs::path& folder) {
  const auto lock_file = folder / kLockName;
  const int fd = open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno != ENOENT || changed_within(folder, kLocklessAge)) return false;
    std::error_code ec;
    return fs::remove_all(folder, ec) > 0 && !ec;
  }
  bool removed = false;
  if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
    // Held while removing: another rank cleaning up at the same moment
    // cannot take it, and skips the folder.
    std::error_code ec;
    removed = fs::remove_all(folder, ec) > 0 && !ec;
  }
  close(fd);
  return removed;
}

}  // namespace

fs::path scratch_parent() {
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? fs::path(tmp) : fs::path("/tmp");
}

std::size_t remove_stale_scratch(const fs::path& parent) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const auto name = entry.path().filename().string();
    if (!name.starts_with(kPrefix) || !entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    if (remove_if_abandoned(entry.path())) ++removed;
  }
  return removed;
}

ScratchFolder::ScratchFolder() {
  const auto parent = scratch_parent();
  remove_stale_scratch(parent);
  std::string folder = (parent / (std::string(kPrefix) + "XXXXXX")).string();
  if (mkdtemp(folder.data()) == nullptr)
    throw std::system_error(errno, std::generic_category(),
                            "cannot create a scratch folder like " + folder);
  path_ = folder;
  // The lock file is created under a temporary name, locked, and only then
  // named owner.lock: no other process ever sees it unlocked.
  std::string temporary = (path_ / ".lock-XXXXXX").string();
  lock_ = mkostemp(temporary.data(), O_CLOEXEC);
  const bool locked = lock_ >= 0 && flock(lock_, LOCK_EX) == 0 &&
                      rename(temporary.c_str(), (path_ / kLockName).c_str()) == 0;
  if (!locked) {
    const int error = errno;
    if (lock_ >= 0) close(lock_);
    std::error_code ignored;
    fs::remove_all(path_, ignored);
    throw std::system_error(error, std::generic_category(),
                            "cannot lock the scratch folder " + path_.string());
  }
}

ScratchFolder::~ScratchFolder() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  close(lock_);
}

}  // namespace optbench::run
