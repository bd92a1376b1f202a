# `cmake --install` layout, relative to the prefix:
#   bin/optbench                       the CLI (finds lib/optbench/plugins from
#                                      its own location, so the prefix may move)
#   lib/liboptbench_sdk.so*            the SDK library
#   lib/optbench/plugins/*.so          the built-in plugins
#   include/optbench/*.hpp             the SDK headers
#   lib/cmake/optbench/                optbenchConfig.cmake, its version file,
#                                      the exported targets, OptbenchPlugin.cmake
include(CMakePackageConfigHelpers)
set(OPTBENCH_INSTALL_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/optbench")

install(EXPORT optbenchTargets NAMESPACE optbench:: DESTINATION "${OPTBENCH_INSTALL_CMAKE_DIR}")
configure_package_config_file(
  "${CMAKE_CURRENT_LIST_DIR}/optbenchConfig.cmake.in"
  "${CMAKE_CURRENT_BINARY_DIR}/optbenchConfig.cmake"
  INSTALL_DESTINATION "${OPTBENCH_INSTALL_CMAKE_DIR}"
  PATH_VARS OPTBENCH_INSTALL_PLUGIN_DIR)
# 0.x: a new minor version may change the SDK, so only the same minor matches.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/optbenchConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/optbenchConfig.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/optbenchConfigVersion.cmake"
  "${CMAKE_CURRENT_LIST_DIR}/OptbenchPlugin.cmake"
  DESTINATION "${OPTBENCH_INSTALL_CMAKE_DIR}")
