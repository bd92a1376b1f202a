// Opening the results store: the one place that decides which implementation
// stands behind store::Reader and store::Writer. Today that is always the
// SQLite file (sqlite_store.hpp), also over MPI: a rank writes a scratch
// file of its own and rank 0 writes what the ranks send into the real one.
#pragma once

#include <filesystem>
#include <memory>

#include "store/reader.hpp"
#include "store/writer.hpp"

namespace optbench::store {

/// Both sides over one connection, for the code that writes a run and reads
/// back what was stored (the worker-process scheduler settles a worker's run
/// from what it wrote; a worker rebuilds its run from the stored experiment).
class Backend : public Reader, public Writer {};

/// Opens the store for writing and reading, creating or upgrading it. Throws
/// StoreError (DamagedDatabase for a damaged file).
std::unique_ptr<Backend> open(const std::filesystem::path& file);

/// Opens an existing store that is only read. Throws StoreError when it does
/// not exist or cannot be read.
std::unique_ptr<Reader> open_reader(const std::filesystem::path& file);

}  // namespace optbench::store
