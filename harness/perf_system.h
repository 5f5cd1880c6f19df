// File: harness/perf_system.h
//
// What the kernel says about perf events on this machine
// (kernel.perf_event_paranoid, the PMUs under /sys/bus/event_source/devices,
// the process's seccomp mode), read once, and what it means when
// perf_event_open fails: ExplainOpenError turns an errno into the reason a
// report prints beside an unavailable counter.  Used where counters are
// opened (harness/thread_counters.h) and by the probe behind `wbbench
// --list` (harness/counter_probe.h).
#ifndef WBBENCH_HARNESS_PERF_SYSTEM_H_
#define WBBENCH_HARNESS_PERF_SYSTEM_H_

#include <optional>
#include <string>
#include <vector>

#include "harness/counter_set.h"

namespace harness {

// The perf settings of this machine, read once (GetSystemPerfInfo).
struct SystemPerfInfo {
  std::optional<int> paranoid;    // /proc/sys/kernel/perf_event_paranoid
  std::vector<std::string> pmus;  // /sys/bus/event_source/devices, sorted
  bool core_pmu = false;          // a core PMU ("cpu", "cpu_core", "armv8*")
  std::optional<int> seccomp;     // /proc/self/status Seccomp: 0, 1, 2
};

const SystemPerfInfo& GetSystemPerfInfo();

// "ENOENT", or "errno 1234" for an errno without a name.
std::string ErrnoName(int err);

// "perf_event_open: EACCES: not permitted: ..." for a failed open of `spec`
// with errno `err`: the likely cause on this machine.
std::string ExplainOpenError(int err, const EventSpec& spec);

}  // namespace harness

#endif  // WBBENCH_HARNESS_PERF_SYSTEM_H_
