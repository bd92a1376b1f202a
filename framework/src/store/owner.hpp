// Who runs a `running` run, and whether that process is gone. A run claimed
// by a process that then died (kill -9, power loss) stays `running` in the
// file; these checks let the next invocation tell it from a live one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/statement.hpp"

namespace optbench::store::detail {

/// The runs columns read_owner expects, in order.
inline constexpr const char* kOwnerColumns =
    "host, pid, (julianday('now') - julianday(heartbeat)) * 86400.0";

struct Owner {
  std::string host;
  std::int64_t pid = 0;                 ///< 0: unknown (files of schema version 1)
  std::optional<double> heartbeat_age;  ///< seconds since its last heartbeat
};

Owner read_owner(const Statement& s, int first_column);

/// True when the owner cannot be running the run any more: this process
/// itself (an earlier attempt it abandoned), a dead pid on this host
/// (`my_host`, the name this process records), or no heartbeat for
/// kStaleAfterSeconds.
bool owner_gone(const Owner& owner, const std::string& my_host);

/// "pid 123 on host h, last heartbeat 1.5 s ago".
std::string describe(const Owner& owner);

}  // namespace optbench::store::detail
