# optbench_add_plugin(NAME KIND optimizer|model|dataset|schedule SOURCES ...
#                     [LIBRARIES ...] [OUTPUT_DIRECTORY dir] [API_VERSION n])
# Builds one plugin as a MODULE library named <kind>_<name>.so, with hidden
# visibility, C++20 and the SDK on its include path, and installs it.
#
# The same file serves optbench's own tree and, installed beside
# optbenchConfig.cmake, a user's project after find_package(optbench). Out of
# tree the defaults are:
#   output   ${CMAKE_BINARY_DIR}/optbench-plugins (pass it to --plugin-dir)
#   install  ${CMAKE_INSTALL_LIBDIR}/optbench/plugins of the user's prefix
#   API      the found SDK's; API_VERSION n stops the configure when the
#            plugin was written for another one (the host would refuse it)
function(optbench_add_plugin name)
  cmake_parse_arguments(ARG "" "KIND;OUTPUT_DIRECTORY;API_VERSION" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_KIND MATCHES "^(optimizer|model|dataset|schedule)$")
    message(FATAL_ERROR
            "optbench_add_plugin(${name}): KIND must be optimizer, model, dataset or schedule")
  endif()
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "optbench_add_plugin(${name}): SOURCES is empty")
  endif()
  if(DEFINED ARG_API_VERSION AND DEFINED optbench_API_VERSION
     AND NOT ARG_API_VERSION EQUAL optbench_API_VERSION)
    message(FATAL_ERROR "optbench_add_plugin(${name}): written for plugin API ${ARG_API_VERSION}, "
                        "but the optbench SDK found in ${optbench_DIR} has API "
                        "${optbench_API_VERSION}")
  endif()

  set(output_dir "${ARG_OUTPUT_DIRECTORY}")
  if(NOT output_dir)
    set(output_dir "${OPTBENCH_PLUGIN_OUTPUT_DIR}")
  endif()
  if(NOT output_dir)
    set(output_dir "${CMAKE_BINARY_DIR}/optbench-plugins")
  endif()
  set(install_dir "${OPTBENCH_INSTALL_PLUGIN_DIR}")
  if(NOT install_dir)
    include(GNUInstallDirs)
    set(install_dir "${CMAKE_INSTALL_LIBDIR}/optbench/plugins")
  endif()

  set(target "${ARG_KIND}_${name}")
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE optbench::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${target}"
    LIBRARY_OUTPUT_DIRECTORY "${output_dir}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  get_target_property(sdk_imported optbench::sdk IMPORTED)
  if(sdk_imported)
    # The SDK library lives in optbench's prefix, not the plugin's.
    set_target_properties(${target} PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
  else()
    # Installed next to the SDK: <libdir>/optbench/plugins -> <libdir>.
    set_target_properties(${target} PROPERTIES INSTALL_RPATH "$ORIGIN/../..")
  endif()
  install(TARGETS ${target} LIBRARY DESTINATION "${install_dir}")
  set_property(GLOBAL APPEND PROPERTY OPTBENCH_PLUGIN_TARGETS ${target})
endfunction()
