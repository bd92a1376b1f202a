// Scratch folders of MPI ranks (run/scratch_folder.hpp): a folder whose
// owner is gone (killed with SIGKILL included) is removed by the next rank
// that starts; a live owner's folder, a folder being created, other files
// and other users' names are left alone.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "run/scratch_folder.hpp"
#include "test_support.hpp"

namespace optbench::run {
namespace {

namespace fs = std::filesystem;

// A folder as a rank leaves it: a scratch file and, if `lock`, owner.lock.
fs::path make_folder(const fs::path& parent, const std::string& name, bool lock) {
  const auto folder = parent / name;
  fs::create_directory(folder);
  std::ofstream(folder / "scratch.db") << "scratch";
  if (lock) std::ofstream(folder / "owner.lock");
  return folder;
}

void age(const fs::path& folder, std::chrono::hours hours) {
  const auto then = fs::file_time_type::clock::now() - hours;
  for (const auto& entry : fs::directory_iterator(folder))
    fs::last_write_time(entry.path(), then);
  fs::last_write_time(folder, then);
}

// Sets TMPDIR for the lifetime of the object.
class ScopedTmpdir {
 public:
  explicit ScopedTmpdir(const fs::path& dir) {
    if (const char* old = std::getenv("TMPDIR")) old_ = old;
    setenv("TMPDIR", dir.c_str(), 1);
  }
  ~ScopedTmpdir() {
    if (old_) {
      setenv("TMPDIR", old_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

TEST(ScratchFolder, RemovesOnlyTheFoldersWhoseOwnerIsGone) {
  testing::TempDir dir;
  const auto dead = make_folder(dir.path(), "optbench-rank-dead01", true);
  const auto live = make_folder(dir.path(), "optbench-rank-live01", true);
  const auto young = make_folder(dir.path(), "optbench-rank-new001", false);
  const auto old = make_folder(dir.path(), "optbench-rank-old001", false);
  const auto other = make_folder(dir.path(), "someone-else-dead01", true);
  age(old, std::chrono::hours(25));
  age(dead, std::chrono::hours(25));
  std::ofstream(dir / "optbench-rank-file01") << "a file, not a folder";
  // The live owner: a lock through a descriptor of its own (flock locks
  // conflict between descriptors, also within one process).
  const int held = open((live / "owner.lock").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(held, 0);
  ASSERT_EQ(flock(held, LOCK_EX), 0);
  age(live, std::chrono::hours(25));

  EXPECT_EQ(remove_stale_scratch(dir.path()), 2u);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(old)) << "a lockless folder unchanged for a day";
  EXPECT_TRUE(fs::exists(live / "scratch.db")) << "its owner holds the lock, however old";
  EXPECT_TRUE(fs::exists(young / "scratch.db")) << "a lockless folder may be being created";
  EXPECT_TRUE(fs::exists(other / "scratch.db"));
  EXPECT_TRUE(fs::exists(dir / "optbench-rank-file01"));
  close(held);
  EXPECT_EQ(remove_stale_scratch(dir.path()), 1u) << "its owner is gone now";
  EXPECT_FALSE(fs::exists(live));
}

TEST(ScratchFolder, LivesLockedAndIsRemovedWithItsOwner) {
  testing::TempDir dir;
  const ScopedTmpdir tmpdir(dir.path());
  fs::path path;
  {
    const ScratchFolder folder;
    path = folder.path();
    EXPECT_EQ(path.parent_path(), dir.path());
    EXPECT_TRUE(path.filename().string().starts_with("optbench-rank-"));
    EXPECT_TRUE(fs::exists(path / "owner.lock"));
    // Nothing but the lock: its temporary name is gone.
    EXPECT_EQ(std::distance(fs::directory_iterator(path), fs::directory_iterator()), 1);
    EXPECT_EQ(remove_stale_scratch(dir.path()), 0u);
    EXPECT_TRUE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(path));
}

// A rank killed with SIGKILL runs no destructor: its folder stays until the
// next rank starts on this machine, which removes it.
TEST(ScratchFolder, TheNextRankRemovesTheFolderOfAKilledOne) {
  testing::TempDir dir;
  const ScopedTmpdir tmpdir(dir.path());
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(pipe_fds[0]);
    const ScratchFolder folder;
    const std::string path = folder.path().string() + "\n";
    if (write(pipe_fds[1], path.data(), path.size()) < 0) _exit(1);
    for (;;)
      pause();
  }
  close(pipe_fds[1]);
  std::string path;
  char c;
  while (read(pipe_fds[0], &c, 1) == 1 && c != '\n')
    path.push_back(c);
  close(pipe_fds[0]);
  const auto while_alive = remove_stale_scratch(dir.path());
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_FALSE(path.empty());
  EXPECT_EQ(while_alive, 0u) << "its owner was alive";
  ASSERT_TRUE(fs::exists(path)) << "SIGKILL ran no clean-up";
  {
    const ScratchFolder next;
    EXPECT_FALSE(fs::exists(path));
    EXPECT_TRUE(fs::exists(next.path()));
  }
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace optbench::run
