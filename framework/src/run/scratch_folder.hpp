// A rank's scratch folder (optbench-rank-XXXXXX under $TMPDIR, else /tmp),
// and the removal of those that killed jobs left behind. Its owner holds an
// exclusive lock (flock) on the folder's `owner.lock` for as long as it
// lives. The kernel drops that lock when the process ends, however it ends
// (SIGKILL included, where no destructor runs), so a folder whose lock can
// be taken has no owner any more, and any later rank may remove it. The
// lock file is locked before it gets its name, so a folder being created is
// never mistaken for an abandoned one.
#pragma once

#include <cstddef>
#include <filesystem>

namespace optbench::run {

/// $TMPDIR if set and not empty, else /tmp.
std::filesystem::path scratch_parent();

/// Removes the folders named optbench-rank-* directly in `parent` whose
/// owner is gone: their owner.lock can be locked. A folder without
/// owner.lock (its owner died while creating it, or an optbench from before
/// the locks made it) is removed only when nothing in it has changed for a
/// day. Folders of other users, which cannot be entered, are left alone.
/// Returns how many were removed; errors leave a folder in place.
std::size_t remove_stale_scratch(const std::filesystem::path& parent);

/// Creates a new scratch folder in scratch_parent(), locked by this process,
/// after removing the stale ones there; removes it when destroyed.
class ScratchFolder {
 public:
  ScratchFolder();
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int lock_ = -1;
};

}  // namespace optbench::run
