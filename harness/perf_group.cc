// File: harness/perf_group.cc
//
// The perf_event group: opening members, group enable/disable and the group
// read, on top of the real system calls (or a test's fake).
#include "harness/perf_group.h"

// libpfm4's copy of the kernel header, the one counters.cc encodes into.
#include <perfmon/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace harness {
namespace {

// Header words of a PERF_FORMAT_GROUP read without ids: nr, time_enabled,
// time_running.
constexpr size_t kGroupHeaderWords = 3;

class SystemPerfEventApi final : public PerfEventApi {
 public:
  int Open(perf_event_attr* attr, pid_t tid, int cpu, int group_fd,
           unsigned long flags) override {
    long fd = syscall(__NR_perf_event_open, attr, tid, cpu, group_fd, flags);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }
  int Ioctl(int fd, unsigned long request, unsigned long arg) override {
    int r = ioctl(fd, request, arg);
    return r < 0 ? -errno : r;
  }
  ssize_t Read(int fd, void* buf, size_t size) override {
    ssize_t n = read(fd, buf, size);
    return n < 0 ? -errno : n;
  }
  void Close(int fd) override { close(fd); }
};

}  // namespace

PerfEventApi* PerfEventApi::System() {
  static SystemPerfEventApi* const kSystem = new SystemPerfEventApi;
  return kSystem;
}

std::optional<double> ScaleCount(uint64_t raw, uint64_t enabled,
                                 uint64_t running) {
  if (running == 0) return std::nullopt;
  if (running >= enabled) return static_cast<double>(raw);
  return static_cast<double>(raw) * static_cast<double>(enabled) /
         static_cast<double>(running);
}

double RunningFraction(uint64_t enabled, uint64_t running) {
  if (enabled == 0) return 0;
  if (running >= enabled) return 1;
  return static_cast<double>(running) / static_cast<double>(enabled);
}

PerfGroup::PerfGroup(PerfGroup&& other) noexcept
    : api_(other.api_),
      fds_(std::exchange(other.fds_, {})),
      buffer_(std::move(other.buffer_)) {}

PerfGroup& PerfGroup::operator=(PerfGroup&& other) noexcept {
  if (this != &other) {
    CloseAll();
    api_ = other.api_;
    fds_ = std::exchange(other.fds_, {});
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

PerfGroup::~PerfGroup() { CloseAll(); }

void PerfGroup::CloseAll() {
  // Members first, the leader last.
  for (size_t i = fds_.size(); i-- > 0;) api_->Close(fds_[i]);
  fds_.clear();
}

int PerfGroup::Add(const perf_event_attr& attr, pid_t tid) {
  perf_event_attr a = attr;
  a.size = sizeof(a);
  a.read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
                  PERF_FORMAT_TOTAL_TIME_RUNNING;
  // The leader starts disabled and members follow it; each thread is
  // counted on its own, so nothing is inherited by threads it creates.
  a.disabled = fds_.empty() ? 1 : 0;
  a.inherit = 0;
  a.pinned = 0;
  int group_fd = fds_.empty() ? -1 : fds_[0];
  int fd = api_->Open(&a, tid, /*cpu=*/-1, group_fd, PERF_FLAG_FD_CLOEXEC);
  if (fd < 0) return fd;
  fds_.push_back(fd);
  buffer_.assign(kGroupHeaderWords + fds_.size(), 0);
  return 0;
}

int PerfGroup::Enable() {
  if (fds_.empty()) return 0;
  return api_->Ioctl(fds_[0], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

int PerfGroup::Disable() {
  if (fds_.empty()) return 0;
  return api_->Ioctl(fds_[0], PERF_EVENT_IOC_DISABLE, PERF_IOC_FLAG_GROUP);
}

int PerfGroup::Read(GroupValues* out) {
  if (fds_.empty()) return -EBADF;
  size_t bytes = buffer_.size() * sizeof(uint64_t);
  ssize_t n = api_->Read(fds_[0], buffer_.data(), bytes);
  if (n < 0) return static_cast<int>(n);
  if (static_cast<size_t>(n) < bytes || buffer_[0] != fds_.size()) {
    return -EIO;
  }
  out->time_enabled = buffer_[1];
  out->time_running = buffer_[2];
  out->values.assign(buffer_.begin() + kGroupHeaderWords, buffer_.end());
  return 0;
}

}  // namespace harness
