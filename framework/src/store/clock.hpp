// Where and when, as the store writes them: the host name and ISO-8601 UTC
// times with milliseconds ("2024-05-01T12:34:56.789Z").
#pragma once

#include <string>

namespace optbench::store::detail {

std::string now_iso8601();
std::string host_name();

}  // namespace optbench::store::detail
