# Finds oneDNN's CPU library and headers and defines oneDNN::dnnl.
#
# Debian's libdnnl-dev is built with the OpenCL GPU runtime, so its own CMake
# package (dnnl-config.cmake) calls find_package(OpenCL REQUIRED) and makes
# every consumer link OpenCL::OpenCL. That needs OpenCL's development files
# (ocl-icd-opencl-dev), which are only a Recommends and absent on a minimal
# Debian 12. optbench uses oneDNN's CPU engine alone and never includes
# dnnl_ocl.hpp; libdnnl.so.2 itself records its dependency on the OpenCL
# loader (libOpenCL.so.1, pulled in by the runtime package), so linking the
# library directly is all a CPU user needs.
find_path(oneDNN_INCLUDE_DIR NAMES oneapi/dnnl/dnnl.hpp)
find_library(oneDNN_LIBRARY NAMES dnnl)
if(oneDNN_INCLUDE_DIR AND EXISTS "${oneDNN_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h")
  file(STRINGS "${oneDNN_INCLUDE_DIR}/oneapi/dnnl/dnnl_version.h" _dnnl_version_lines
       REGEX "#define DNNL_VERSION_(MAJOR|MINOR|PATCH) ")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX REPLACE ".*#define DNNL_VERSION_${_part} ([0-9]+).*" "\\1" _dnnl_${_part}
                         "${_dnnl_version_lines}")
  endforeach()
  set(oneDNN_VERSION "${_dnnl_MAJOR}.${_dnnl_MINOR}.${_dnnl_PATCH}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(
  oneDNN
  REQUIRED_VARS oneDNN_LIBRARY oneDNN_INCLUDE_DIR
  VERSION_VAR oneDNN_VERSION
  REASON_FAILURE_MESSAGE "install Debian's libdnnl-dev (scripts/setup.sh does)")

if(oneDNN_FOUND AND NOT TARGET oneDNN::dnnl)
  add_library(oneDNN::dnnl UNKNOWN IMPORTED)
  set_target_properties(oneDNN::dnnl PROPERTIES IMPORTED_LOCATION "${oneDNN_LIBRARY}"
                                                INTERFACE_INCLUDE_DIRECTORIES "${oneDNN_INCLUDE_DIR}")
endif()
mark_as_advanced(oneDNN_INCLUDE_DIR oneDNN_LIBRARY)
