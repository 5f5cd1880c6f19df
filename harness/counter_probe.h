// File: harness/counter_probe.h
//
// What this machine can count, for `wbbench --list` and the report's
// metadata: each event of a CounterSet opened alone and read over a short
// busy loop, the system's perf settings beside them (harness/perf_system.h),
// the clocks' calibration, and the cost of one group read.
#ifndef WBBENCH_HARNESS_COUNTER_PROBE_H_
#define WBBENCH_HARNESS_COUNTER_PROBE_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "harness/counter_set.h"
#include "harness/perf_group.h"

namespace harness {

// What this machine can count, for `wbbench --list` and the JSON metadata.
struct EventAvailability {
  std::string name;
  std::string pfm_name;  // empty when it did not encode
  CounterSource source = CounterSource::kHardwareCounter;
  bool available = false;
  std::string detail;  // why not, or what the probe read
  int error = 0;       // errno from perf_event_open, when that failed
};

struct CounterAvailability {
  std::optional<int> perf_event_paranoid;  // /proc/sys/kernel/...
  std::vector<std::string> pmus;           // /sys/bus/event_source/devices
  bool core_pmu_listed = false;     // a core PMU ("cpu", "cpu_core", "armv8*")
  std::optional<int> seccomp;       // /proc/self/status Seccomp: 0, 1, 2
  bool hardware_available = false;  // some hardware event opened and read
  std::string summary;              // one line: the verdict and why
  std::vector<EventAvailability> events;
  double tsc_hz = 0;
  std::string tsc_method;
  double core_hz_estimate = 0;
  std::string core_method;
  double group_read_ns = 0;  // one group read of the auto set
};

// Opens each event of `set` alone on the calling thread, runs a short busy
// loop, and reads it; also measures the cost of one group read of the auto
// set.  Takes a few ms (plus the clock calibration, once).
CounterAvailability ProbeCounters(const CounterSet& set,
                                  PerfEventApi* api = PerfEventApi::System());

// Lines for `wbbench --list`, no trailing newlines.
std::vector<std::string> DescribeCounterAvailability(
    const CounterAvailability& availability);

// Flat key/value pairs for the JSON context block (e.g. via
// benchmark::AddCustomContext): keys start with "counters_".
std::vector<std::pair<std::string, std::string>> CounterContext(
    const CounterAvailability& availability);

}  // namespace harness

#endif  // WBBENCH_HARNESS_COUNTER_PROBE_H_
