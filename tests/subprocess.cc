#include "subprocess.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace testing_util {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string EnvOr(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : fallback;
}

}  // namespace

CommandResult RunCommand(const std::string& command) {
  char out_path[] = "/tmp/wbbench-test-outXXXXXX";
  char err_path[] = "/tmp/wbbench-test-errXXXXXX";
  int out_fd = mkstemp(out_path);
  int err_fd = mkstemp(err_path);
  close(out_fd);
  close(err_fd);
  std::string full =
      "(" + command + ") >" + out_path + " 2>" + err_path + " </dev/null";
  int status = std::system(full.c_str());
  CommandResult r;
  r.exit_code =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out_path);
  r.err = Slurp(err_path);
  unlink(out_path);
  unlink(err_path);
  return r;
}

std::string WbbenchBinary() { return EnvOr("WBBENCH_BINARY", "./wbbench"); }
std::string SourceDir() { return EnvOr("WBBENCH_SOURCE_DIR", "."); }

}  // namespace testing_util
