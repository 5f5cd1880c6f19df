// File: harness/thread_counters.h
//
// Per-thread counters for "cycles per store": one perf group per measured
// thread, opened from a CounterSet (harness/counter_set.h), with
// plausibility checks and an honest fallback where the machine has no
// hardware PMU; and the totals over threads.
//
// A counter counts only when it opened AND read a plausible value; a
// hardware counter that reads 0 where it cannot be 0 (cycles, instructions
// over a stretch in which the thread ran) is reported unavailable, and so
// is every other hardware counter of that group.
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
// How the run loop uses it: each mutator opens its own ThreadCounters on
// itself (tid 0); Start() and Stop()
// bracket the measured region (they may repeat, counts accumulate); Read()
// after the last Stop(); CounterTotals sums the threads.  A ThreadCounters
// is driven by one thread at a time.
//
// Per-thread counters (task-clock included) advance only while their thread
// is on a CPU; tsc_ticks is wall time between Start and Stop, parked or not.
#ifndef WBBENCH_HARNESS_THREAD_COUNTERS_H_
#define WBBENCH_HARNESS_THREAD_COUNTERS_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/counter_set.h"
#include "harness/perf_group.h"

namespace harness {

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

}  // namespace harness

#endif  // WBBENCH_HARNESS_THREAD_COUNTERS_H_
