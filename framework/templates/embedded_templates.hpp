// The `optbench new` templates (the *.in files beside this header), compiled
// into the binary by cmake/EmbedTemplates.cmake so that an installed optbench
// needs no data files.
#pragma once

#include <span>
#include <string_view>

namespace optbench::templates {

struct TemplateFile {
  std::string_view name;  ///< file name in framework/templates, e.g. "optimizer.cpp.in"
  std::string_view text;
};

/// Every template, sorted by name.
std::span<const TemplateFile> files();

}  // namespace optbench::templates
