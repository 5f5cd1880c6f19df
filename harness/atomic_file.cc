// File: harness/atomic_file.cc
//
// Writing a file atomically: a temporary file beside it, every byte
// written, fsync, rename over the old one.
#include "harness/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace harness {

absl::Status WriteFileAtomically(const std::string& path,
                                 const std::string& contents) {
  std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  // Every failure closes the descriptor (if still open), removes the
  // temporary file and names the errno of the call that failed.
  auto fail = [&](int err) {
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(err)));
  };
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    // write() returning 0 for a regular file sets no errno: out of space.
    if (n <= 0) return fail(n < 0 ? errno : ENOSPC);
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail(errno);
  const int closed = close(fd);
  fd = -1;
  if (closed != 0) return fail(errno);
  if (rename(tmp.c_str(), path.c_str()) != 0) return fail(errno);
  return absl::OkStatus();
}

}  // namespace harness
