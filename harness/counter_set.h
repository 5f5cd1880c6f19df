// File: harness/counter_set.h
//
// The counter set behind `--counters`: which perf events to open on each
// measured thread, each encoded by libpfm4, and where each figure comes
// from (CounterSource).
//
// `--counters` takes "auto" or a comma-separated list of event names as
// perf stat spells them (cycles, instructions, branch-misses,
// L1-dcache-load-misses) or as libpfm4 names them (perf::CYCLES, or a
// PMU-specific name from libpfm4's showevtinfo).  CounterSet::Parse encodes
// each name with libpfm4 (PFM_OS_PERF_EVENT_EXT, user-level only) and refuses a
// name it cannot encode.  Encoding proves nothing about the machine: on a VM
// without a PMU libpfm4 encodes `cycles` and perf_event_open then fails with
// ENOENT.  Whether an event really counts is decided when a thread opens and
// reads it (harness/thread_counters.h); what the machine offers is what
// `wbbench --list` probes (harness/counter_probe.h).
//
// How the run loop uses it: parse the flag once; each measured thread opens
// its own ThreadCounters from the set (harness/thread_counters.h).  The
// clocks are calibrated by CounterSet::Parse (about 50 ms, once), so no
// measurement pays for it.
#ifndef WBBENCH_HARNESS_COUNTER_SET_H_
#define WBBENCH_HARNESS_COUNTER_SET_H_

#include <memory>
#include <string>
#include <string_view>
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

}  // namespace harness

#endif  // WBBENCH_HARNESS_COUNTER_SET_H_
