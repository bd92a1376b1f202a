// Combining results files: the shards of one experiment trained apart
// (`optbench run --shard K/N`, one file each, say as the tasks of a job
// array) into one file, as if one process had trained them all. Every run
// is copied with every column of its row and its whole history, so nothing
// a run records is lost on the way, whatever the schema adds.
#pragma once

#include <cstddef>
#include <filesystem>
#include <stdexcept>

namespace optbench::store {

/// Two files define an experiment of one name differently (other text):
/// their runs are not results of one experiment, and are not mixed.
class MergeConflict : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct MergeCounts {
  std::size_t experiments = 0;  ///< experiments of `from` new to `into`
  std::size_t copied = 0;       ///< runs copied (new, or replacing an unfinished one)
  std::size_t already = 0;      ///< runs `into` had finished already (kept as they are)
};

/// Copies into `into` (created if missing) every experiment, run, history
/// and surface of `from`, in one transaction. A run (experiment and
/// config_hash) already finished in `into` is kept and the copy skipped,
/// so merging a file twice changes nothing; a run unfinished in `into`
/// (pending, running, interrupted) is replaced by a finished one. Throws
/// MergeConflict, changing nothing, when an experiment of the same name has
/// other text in the two files; StoreError (DamagedDatabase) for an
/// unusable file.
MergeCounts merge(const std::filesystem::path& into, const std::filesystem::path& from);

}  // namespace optbench::store
