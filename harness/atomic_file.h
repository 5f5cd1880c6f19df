// File: harness/atomic_file.h
//
// Reports are written whole or not at all: a crash, a kill or a full disk
// while wbbench writes --out leaves the previous file in place.
#ifndef WBBENCH_HARNESS_ATOMIC_FILE_H_
#define WBBENCH_HARNESS_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace harness {

// Writes `contents` to `path` atomically: a temporary file in the same
// directory, fsync, rename.  A crash or a kill leaves either the old file or
// the new one, never half of one.
absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents);

}  // namespace harness

#endif  // WBBENCH_HARNESS_ATOMIC_FILE_H_
