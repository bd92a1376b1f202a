#include "store/owner.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "store/records.hpp"

namespace optbench::store::detail {

Owner read_owner(const Statement& s, int first_column) {
  Owner o;
  o.host = s.column_text(first_column);
  o.pid = s.column_int(first_column + 1);
  if (!s.is_null(first_column + 2)) o.heartbeat_age = s.column_real(first_column + 2);
  return o;
}

bool owner_gone(const Owner& owner, const std::string& my_host) {
  if (owner.pid <= 0 || !owner.heartbeat_age) return true;
  if (owner.host == my_host) {
    if (owner.pid == getpid()) return true;
    // EPERM: alive, but another user's.
    if (kill(static_cast<pid_t>(owner.pid), 0) != 0 && errno == ESRCH) return true;
  }
  return *owner.heartbeat_age > kStaleAfterSeconds;
}

std::string describe(const Owner& owner) {
  std::string text = "pid " + std::to_string(owner.pid) + " on host " + owner.host;
  if (owner.heartbeat_age) {
    char age[64];
    std::snprintf(age, sizeof age, ", last heartbeat %.1f s ago", *owner.heartbeat_age);
    text += age;
  }
  return text;
}

}  // namespace optbench::store::detail
