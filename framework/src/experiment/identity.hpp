// What a run's result depends on beyond its settings: the plugin libraries
// that compute it and the data files it reads. Both enter the run's hash,
// so a rebuilt plugin or a changed data file makes a different run instead
// of silently reusing results computed by the old one.
#pragma once

#include <filesystem>
#include <string>

#include "optbench/params.hpp"
#include "registry/registry.hpp"

namespace optbench::experiment {

/// 16 hex digits summarising the bytes of `file` (64-bit FNV-1a over its
/// 8-byte words, then its length). Cached per path, size and modification
/// time, so a sweep reads each library and data file once. Throws
/// std::runtime_error when the file cannot be read.
std::string file_digest(const std::filesystem::path& file);

/// {"name":..,"version":..,"file":..,"digest":..} of a loaded plugin. The
/// hash leaves the path out (`with_path` false): the same library copied
/// elsewhere computes the same results; the stored provenance keeps it.
std::string plugin_identity_json(const registry::LoadedPlugin& plugin, bool with_path);

/// The files a dataset's string hyperparameters name, resolved like the
/// dataset resolves them (relative to `base_dir` unless absolute): for a
/// file its path, size and digest, for a folder the same for every regular
/// file in it. Strings that name nothing on disk are left out. A JSON
/// array, in parameter order; `[]` for data that comes from no file.
/// Without `with_paths` only file names, sizes and digests, for the hash.
std::string data_identity_json(const ParamMap& dataset_params,
                               const std::filesystem::path& base_dir, bool with_paths);

/// The host's facts for a run's provenance: the optbench version, the host
/// name and the CPU model, as JSON members (no braces).
std::string host_provenance_members(int threads);

}  // namespace optbench::experiment
