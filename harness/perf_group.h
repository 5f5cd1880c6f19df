// File: harness/perf_group.h
//
// One perf_event group on one thread, and the system calls under it.
//
// A group is a leader plus members opened with group_fd = leader.  The
// kernel schedules a group onto the PMU all or nothing, so ratios between its
// events are taken over the same instants; when there are more groups than
// counters the kernel multiplexes them, and each read carries time_enabled
// (how long the group was enabled) and time_running (how long it was really
// on the PMU).  The count over the whole enabled time is then estimated as
// raw * enabled / running (ScaleCount), and running / enabled is reported
// beside it so a reader can judge the estimate.  Every member is read in one
// system call with PERF_FORMAT_GROUP:
//
//   { u64 nr; u64 time_enabled; u64 time_running; u64 value[nr]; }
//
// with values in the order the members were added.
//
// The system calls go through PerfEventApi so tests can inject failures
// (ENOENT from a VM without a PMU, EACCES from perf_event_paranoid) and
// canned group reads.  A PerfGroup belongs to the thread that drives it;
// the counted thread may be another one (opened by tid).
#ifndef WBBENCH_HARNESS_PERF_GROUP_H_
#define WBBENCH_HARNESS_PERF_GROUP_H_

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

struct perf_event_attr;

namespace harness {

// The system calls a counter group makes.  Every call returns what the
// system call returns on success and -errno on failure, so fakes need no
// errno.  System() is the real kernel.
class PerfEventApi {
 public:
  virtual ~PerfEventApi() = default;
  // perf_event_open(2): a file descriptor, or -errno.
  virtual int Open(perf_event_attr* attr, pid_t tid, int cpu, int group_fd,
                   unsigned long flags) = 0;
  // ioctl(2) on a perf_event fd: >= 0, or -errno.
  virtual int Ioctl(int fd, unsigned long request, unsigned long arg) = 0;
  // read(2): bytes read, or -errno.
  virtual ssize_t Read(int fd, void* buf, size_t size) = 0;
  virtual void Close(int fd) = 0;

  static PerfEventApi* System();
};

// One group read, already unpacked.
struct GroupValues {
  uint64_t time_enabled = 0;     // ns the group was enabled
  uint64_t time_running = 0;     // ns the group was on the PMU
  std::vector<uint64_t> values;  // raw counts, in member order
};

// The count over the whole enabled time: raw * enabled / running.  Absent
// when running is 0 (the group was never scheduled: perf stat's "<not
// counted>"), because no count can be estimated from no observation.  A
// running time above the enabled time (seen on some kernels) is taken as 1.
std::optional<double> ScaleCount(uint64_t raw, uint64_t enabled,
                                 uint64_t running);

// running / enabled, in [0, 1]; 0 when enabled is 0.
double RunningFraction(uint64_t enabled, uint64_t running);

class PerfGroup {
 public:
  explicit PerfGroup(PerfEventApi* api) : api_(api) {}
  PerfGroup(PerfGroup&& other) noexcept;
  PerfGroup& operator=(PerfGroup&& other) noexcept;
  PerfGroup(const PerfGroup&) = delete;
  PerfGroup& operator=(const PerfGroup&) = delete;
  ~PerfGroup();

  // Opens `attr` on thread `tid` (0: the calling thread) as the next member
  // (the first becomes the leader, created disabled).  Sets the group read
  // format.  Returns 0, or -errno from perf_event_open, in which case the
  // group is unchanged.
  int Add(const perf_event_attr& attr, pid_t tid);

  size_t size() const { return fds_.size(); }

  // Starts and stops every member at once.  No-ops on an empty group.
  // Return 0 or -errno.
  int Enable();
  int Disable();

  // One read(2) of the whole group.  Returns 0, or -errno, or -EIO when the
  // read was short (a pinned group that could not be scheduled reads 0
  // bytes).
  int Read(GroupValues* out);

 private:
  void CloseAll();

  PerfEventApi* api_;
  std::vector<int> fds_;  // fds_[0] is the leader
  std::vector<uint64_t> buffer_;
};

}  // namespace harness

#endif  // WBBENCH_HARNESS_PERF_GROUP_H_
