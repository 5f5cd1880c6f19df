// File: tests/subprocess.h
//
// Runs a shell command for the tests that exercise wbbench and the scripts as
// a user would, and returns its exit status and output.
#ifndef WBBENCH_TESTS_SUBPROCESS_H_
#define WBBENCH_TESTS_SUBPROCESS_H_

#include <string>

namespace testing_util {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `command` with /bin/sh.  stdout and stderr are captured separately.
CommandResult RunCommand(const std::string& command);

// The wbbench binary under test (CTest sets WBBENCH_BINARY) and the source
// tree (WBBENCH_SOURCE_DIR).
std::string WbbenchBinary();
std::string SourceDir();

}  // namespace testing_util

#endif  // WBBENCH_TESTS_SUBPROCESS_H_
