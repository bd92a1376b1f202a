# The Debian 12 packages optbench builds, tests and runs its demo with; sourced
# by scripts/setup.sh and scripts/sanitize_build.sh so both install one list.
# libdnnl-dev is enough for oneDNN: cmake/FindoneDNN.cmake links its CPU
# library directly, so OpenCL's development files (a Recommends only) are not
# needed. fortunes: the character language model's text (/usr/share/games/fortunes).
# Open MPI (libopenmpi-dev, openmpi-bin for mpirun) lets one sweep run over
# the ranks of an MPI job; without it the build leaves that out.
optbench_packages=(
  build-essential cmake pkg-config git
  libboost-dev libboost-program-options-dev libboost-filesystem-dev libboost-iostreams-dev
  libyaml-cpp-dev libsqlite3-dev sqlite3 libgtest-dev libgmock-dev libbenchmark-dev
  gnuplot-nox libgnuplot-iostream-dev libdnnl-dev zlib1g-dev libdeflate-dev
  libopenmpi-dev openmpi-bin
  dataset-fashion-mnist
  fortunes
  chromium
)
