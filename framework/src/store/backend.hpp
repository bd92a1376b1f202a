// Opening the results store: the one place that decides which implementation
// stands behind store::Reader and store::Writer. Today that is always the
// SQLite file (sqlite_store.hpp); a store reached another way (say, MPI
// ranks sending their batches to rank 0) is chosen here, and nothing that
// reads or writes through the interfaces changes.
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
