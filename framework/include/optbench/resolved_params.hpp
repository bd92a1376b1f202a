// A factory's settings in one object: resolved against its plugin's schema
// and read through Params.
#pragma once

#include "optbench/params.hpp"
#include "optbench/plugin.hpp"

namespace optbench {

namespace detail {
struct ResolvedMap {
  ParamMap map;
};
}  // namespace detail

/// A factory's settings checked against its plugin's own name and schema
/// (resolve_params: defaults filled in, unknown keys and bad values refused)
/// and read through Params, which this keeps valid. A factory's first line:
///   const optbench::ResolvedParams p(info(), given);
/// so that the plugin's name is written once, in info().
class ResolvedParams : private detail::ResolvedMap, public Params {
 public:
  ResolvedParams(const PluginInfo& info, const ParamMap& given)
      : detail::ResolvedMap{resolve_params(info.name, info.schema, given)}, Params(map) {}
  // Params reads this object's own map: a copy would read the original's.
  ResolvedParams(const ResolvedParams&) = delete;
  ResolvedParams& operator=(const ResolvedParams&) = delete;
};

}  // namespace optbench
