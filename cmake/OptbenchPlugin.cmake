# optbench_add_plugin(NAME KIND optimizer|model|dataset SOURCES ... [LIBRARIES ...])
# Builds one plugin as a MODULE library named <kind>_<name>.so in the plugin
# folder, with hidden visibility and the SDK on its include path.
function(optbench_add_plugin name)
  cmake_parse_arguments(ARG "" "KIND" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_KIND MATCHES "^(optimizer|model|dataset)$")
    message(FATAL_ERROR "optbench_add_plugin(${name}): KIND must be optimizer, model or dataset")
  endif()
  set(target "${ARG_KIND}_${name}")
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE optbench::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "${target}"
    LIBRARY_OUTPUT_DIRECTORY "${OPTBENCH_PLUGIN_OUTPUT_DIR}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    INSTALL_RPATH "$ORIGIN/../..")
  install(TARGETS ${target} LIBRARY DESTINATION "${OPTBENCH_INSTALL_PLUGIN_DIR}")
  set_property(GLOBAL APPEND PROPERTY OPTBENCH_PLUGIN_TARGETS ${target})
endfunction()
