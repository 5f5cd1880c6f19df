// File: harness/counters.h
//
// Counters for "cycles per store": libpfm4-encoded perf events, one group
// per measured thread, with an honest fallback where the machine has no
// hardware PMU.
//
// `--counters` takes "auto" or a comma-separated list of event names as
// perf stat spells them (cycles, instructions, branch-misses,
// L1-dcache-load-misses) or as libpfm4 names them (perf::CYCLES, or a
// PMU-specific name from libpfm4's showevtinfo).  CounterSet::Parse encodes
// each name with libpfm4 (PFM_OS_PERF_EVENT_EXT, user-level only) and refuses a
// name it cannot encode.  Encoding proves nothing about the machine: on a VM
// without a PMU libpfm4 encodes `cycles` and perf_event_open then fails with
// ENOENT.  So a counter counts only when it opened AND read a plausible
// value; a hardware counter that reads 0 where it cannot be 0 (cycles,
// instructions over a stretch in which the thread ran) is reported
// unavailable, and so is every other hardware counter of that group.
//
// Every figure carries its source (CounterSource).  A counter that is not
// available is absent from the readings, with the reason beside it; it is
// never reported as 0.  Whatever the PMU does, every reading also has:
//   tsc_ticks             TSC ticks over the measured intervals (rdtscp),
//                         source kTsc; convert with TscHz(), never call
//                         them cycles;
//   task-clock            the thread's CPU time in ns, a software counter
//                         (always added to the group; it opens without a
//                         PMU);
//   core_cycles_estimate  only when no hardware `cycles` counter is
//                         present: task-clock x EstimatedCoreHz() (or the
//                         TSC time x EstimatedCoreHz() if task-clock did not
//                         open), source kEstimate.
//
// How the run loop uses it: parse the flag once; each measured thread (every
// mutator, and each mark worker, in separate totals) opens its own
// ThreadCounters on itself (tid 0) or is opened by tid from the controller;
// Start() and Stop() bracket the measured region (they may repeat, counts
// accumulate); Read() after the last Stop(); CounterTotals sums the threads.
// A ThreadCounters is driven by one thread at a time.
//
// Per-thread counters (task-clock included) advance only while their thread
// is on a CPU; tsc_ticks is wall time between Start and Stop, parked or not.
// The clocks are calibrated by CounterSet::Parse (about 50 ms, once), so no
// measurement pays for it.
#ifndef WBBENCH_HARNESS_COUNTERS_H_
#define WBBENCH_HARNESS_COUNTERS_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/perf_group.h"

namespace harness {

// Where a figure comes from.  Reports print it beside every figure.
enum class CounterSource {
  kHardwareCounter,  // a PMU counter, opened and read via perf_event
  kSoftwareCounter,  // a kernel software event (task-clock, page-faults)
  kTsc,              // the time-stamp counter: wall-clock ticks
  kEstimate,         // derived from a calibration: an estimate
};

// "hardware counter", "software counter", "TSC", "estimate".
std::string_view CounterSourceName(CounterSource source);

// Names of the figures every reading carries besides the requested events.
// TSC ticks over the measured intervals.
inline constexpr std::string_view kTscTicksName = "tsc_ticks";
// The software task-clock (ns of CPU time), always part of the group.
inline constexpr std::string_view kTaskClockName = "task-clock";
// Core cycles estimated from the calibrated core clock, when no hardware
// `cycles` counter is present.
inline constexpr std::string_view kCoreCyclesEstimateName =
    "core_cycles_estimate";

// One figure for one thread (or a sum over threads).
struct CounterReading {
  std::string name;  // as requested (e.g. "cycles"), or one of the k*Name
  double value = 0;  // scaled by enabled / running when multiplexed
  CounterSource source = CounterSource::kHardwareCounter;
  double running_fraction = 1;   // time_running / time_enabled; 1 if not
                                 // multiplexed, and for TSC and estimates
  uint64_t time_enabled_ns = 0;  // 0 for TSC and estimates
  uint64_t time_running_ns = 0;
  std::string unit;  // "events", "ns", "ticks", "cycles"
};

struct UnavailableCounter {
  std::string name;
  std::string reason;  // why it is absent, for the report
  int error = 0;       // errno from perf_event_open; 0 if it opened
};

// What one thread (or a total) measured: the present figures and, for every
// requested counter that is absent, why.
struct CounterReadings {
  std::vector<CounterReading> present;
  std::vector<UnavailableCounter> unavailable;
  // Set when no hardware counter is present: why, and what stands in.
  std::optional<std::string> fallback_reason;

  // The figure named `name`, or nullopt when absent.
  std::optional<CounterReading> Get(std::string_view name) const;
};

// "cycles 1.234e+09 (hardware counter, running 50%)" and the like.
std::string FormatReading(const CounterReading& reading);

// One requested event, encoded.
struct EventSpec {
  std::string name;      // as the user spelled it
  std::string pfm_name;  // libpfm4's full name, e.g.
                         // "perf::PERF_COUNT_HW_CPU_CYCLES:u=1:k=0..."
  CounterSource source = CounterSource::kHardwareCounter;
  // Cannot read 0 over a stretch in which the thread ran (cycles,
  // instructions, ref-cycles, task-clock, cpu-clock).
  bool must_tick = false;
  bool core_cycles = false;                     // this is the core-cycles event
  std::shared_ptr<const perf_event_attr> attr;  // the encoding
};

// Encodes one name with libpfm4 (PFM_OS_PERF_EVENT_EXT, user level).
// InvalidArgument names the name and what is accepted; FailedPrecondition
// when libpfm4 did not initialize.
absl::StatusOr<EventSpec> EncodeEvent(std::string_view name);

// The events to open on each measured thread.
class CounterSet {
 public:
  // "auto": cycles, instructions, branch-misses, L1-dcache-load-misses
  // (each dropped at open time if the machine cannot count it).  Otherwise a
  // comma-separated list of event names; every name must encode, and may
  // appear once.  task-clock is always added; tsc_ticks and
  // core_cycles_estimate are always reported and may be listed (ignored).
  static absl::StatusOr<CounterSet> Parse(std::string_view spec);

  // The events `wbbench --list` probes: the auto set plus a few common ones.
  static CounterSet ForList();

  // Exactly these events, in this order, without task-clock added (the
  // probe opens one event at a time; tests build sets from encoded events).
  static CounterSet Of(std::vector<EventSpec> events);

  // Hardware events first (the first that opens leads the group), then
  // software events; task-clock is last.
  const std::vector<EventSpec>& events() const { return events_; }
  bool is_auto() const { return is_auto_; }
  // The spec as given ("auto" or the list), for metadata.
  const std::string& spec() const { return spec_; }

 private:
  std::vector<EventSpec> events_;
  bool is_auto_ = false;
  std::string spec_;
};

// One counter group on one thread, plus the TSC over the same intervals.
class ThreadCounters {
 public:
  // Opens every event of `set` that this machine can open, as one group
  // counting thread `tid` (0: the calling thread), user-level only.  Never
  // fails: events that cannot be opened are recorded with the reason and
  // reported by Read() as unavailable.  `api` is for tests.
  static ThreadCounters Open(const CounterSet& set, pid_t tid = 0,
                             PerfEventApi* api = PerfEventApi::System());

  ThreadCounters(ThreadCounters&&) = default;
  ThreadCounters& operator=(ThreadCounters&&) = default;

  // Starts counting (and the TSC interval).  Start/Stop pairs accumulate.
  void Start();
  // Stops counting; adds the TSC interval.
  void Stop();
  // Zeroes what has been counted so far.
  void Reset();

  // The counts since the last Reset (or Open): one group read, scaled,
  // checked for plausibility, plus tsc_ticks and, without hardware cycles,
  // core_cycles_estimate.  Between Start and Stop it reads the live values.
  CounterReadings Read();

  // Whether any hardware counter opened (it may still read implausibly).
  bool has_hardware() const;
  // Members that opened, in group order.
  std::vector<std::string> opened() const;

  // Nanoseconds one group read(2) costs, the median of `samples` reads
  // (timed with the TSC).  0 when the group is empty.
  double MeasureReadCostNs(int samples);

 private:
  explicit ThreadCounters(PerfEventApi* api) : group_(api) {}

  PerfGroup group_;
  std::vector<EventSpec> members_;          // opened, in group order
  std::vector<UnavailableCounter> failed_;  // could not be opened
  GroupValues baseline_;                    // subtracted by Read
  bool running_ = false;
  uint64_t tsc_start_ = 0;
  uint64_t tsc_ticks_ = 0;  // closed intervals since Reset
};

// Sums readings over threads.  A figure absent on some thread is absent
// from the total (a partial sum would undercount), with the reason.
class CounterTotals {
 public:
  void Add(const CounterReadings& thread);
  CounterReadings Get() const;
  int threads() const { return threads_; }

 private:
  struct Sum {
    CounterReading reading;
    int threads = 0;
  };
  std::vector<Sum> sums_;  // in first-seen order
  std::vector<UnavailableCounter> unavailable_;
  int threads_ = 0;
};

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

#endif  // WBBENCH_HARNESS_COUNTERS_H_
