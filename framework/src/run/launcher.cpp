#include "run/launcher.hpp"

#include <cstdlib>

namespace optbench::run {

std::optional<Launch> parallel_launch() {
  // Open MPI's mpirun; MPICH/Hydra and srun with PMI-1/PMI-2; srun itself
  // (whatever its --mpi plugin). Not SLURM_NTASKS: a batch script sees the
  // whole allocation's count there while it runs as one process.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_STEP_NUM_TASKS"}) {
    const char* value = std::getenv(name);
    if (value == nullptr) continue;
    char* end = nullptr;
    const long size = std::strtol(value, &end, 10);
    if (end == value || *end != '\0') continue;
    if (size > 1) return Launch{static_cast<int>(size), name};
  }
  return std::nullopt;
}

}  // namespace optbench::run
