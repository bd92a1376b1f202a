#include "util/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>

#include <cstring>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace optbench::util {

namespace {

std::string_view name_of(std::string_view assignment) {
  return assignment.substr(0, assignment.find('='));
}

std::vector<std::string> environment(const SpawnOptions& options) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string_view name = name_of(*e);
    bool dropped = false;
    for (const auto& u : options.unset_env)
      dropped = dropped || name == u;
    for (const auto& s : options.set_env)
      dropped = dropped || name == name_of(s);
    if (!dropped) env.emplace_back(*e);
  }
  env.insert(env.end(), options.set_env.begin(), options.set_env.end());
  return env;
}

}  // namespace

pid_t spawn_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                    const SpawnOptions& options) {
  const std::string program = binary.string();
  auto env = environment(options);
  std::vector<char*> argv{const_cast<char*>(program.c_str())}, envp;
  for (const auto& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  if (options.output) {
    posix_spawn_file_actions_addopen(&files, 1, options.output->c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&files, 1, 2);
  }
  for (const auto& [child_fd, our_fd] : options.fds)
    posix_spawn_file_actions_adddup2(&files, our_fd, child_fd);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &files, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&files);
  if (rc != 0) throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  return pid;
}

}  // namespace optbench::util
