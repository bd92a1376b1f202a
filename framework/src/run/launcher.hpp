// Whether this process is one of several copies started by an MPI launcher
// (mpirun, mpiexec, srun). The launchers say so in the environment before
// MPI is initialized, so a build without MPI can refuse instead of running
// the whole sweep once per copy, and a build with MPI knows to start it.
#pragma once

#include <optional>
#include <string>

namespace optbench::run {

struct Launch {
  int size = 1;          ///< how many copies the launcher started
  std::string variable;  ///< the environment variable that says so, e.g. "OMPI_COMM_WORLD_SIZE"
};

/// The launch this process is part of, when a launcher started more than
/// one copy; none for a plain process or a launch of one copy (which then
/// simply runs the sweep alone).
std::optional<Launch> parallel_launch();

}  // namespace optbench::run
