// File: harness/counter_set.cc
//
// Encoding (libpfm4) and the set: the auto set, the list `wbbench --list`
// probes, and the built-in task-clock that every set ends with (it is the
// fallback, so it does not depend on libpfm4).
#include "harness/counter_set.h"

#include <perfmon/pfmlib_perf_event.h>
#include <string.h>

#include <algorithm>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "harness/clock.h"

namespace harness {
namespace {

// The auto set: the perf stat names that matter for a barrier (core
// cycles, retired instructions, and the two ways a barrier slow path shows
// up: mispredicted branches and L1 data misses).
constexpr std::string_view kAutoEvents[] = {
    "cycles", "instructions", "branch-misses", "L1-dcache-load-misses"};
// What `wbbench --list` probes besides the auto set: other common perf stat
// names, so the list shows what this machine offers.
constexpr std::string_view kListExtraEvents[] = {
    "ref-cycles", "cache-misses", "LLC-load-misses", "dTLB-load-misses",
    "cpu-clock",  "page-faults",  "context-switches"};
// What the error message offers as examples of accepted names.
constexpr std::string_view kAcceptedHelp =
    "accepted: \"auto\", or a comma-separated list of event names as perf "
    "stat spells them (cycles, instructions, branch-misses, "
    "L1-dcache-load-misses, task-clock, ...) or as libpfm4 names them "
    "(perf::CYCLES, or a PMU event listed by libpfm4's showevtinfo)";

// ---- libpfm4 -----------------------------------------------------------

const absl::Status& PfmStatus() {
  static const absl::Status* const kStatus = [] {
    int r = pfm_initialize();
    if (r == PFM_SUCCESS) return new absl::Status();
    return new absl::Status(absl::FailedPreconditionError(
        absl::StrCat("libpfm4 did not initialize: ", pfm_strerror(r))));
  }();
  return *kStatus;
}

bool MustTick(const perf_event_attr& a) {
  if (a.type == PERF_TYPE_HARDWARE) {
    return a.config == PERF_COUNT_HW_CPU_CYCLES ||
           a.config == PERF_COUNT_HW_INSTRUCTIONS ||
           a.config == PERF_COUNT_HW_BUS_CYCLES ||
           a.config == PERF_COUNT_HW_REF_CPU_CYCLES;
  }
  if (a.type == PERF_TYPE_SOFTWARE) {
    return a.config == PERF_COUNT_SW_TASK_CLOCK ||
           a.config == PERF_COUNT_SW_CPU_CLOCK;
  }
  return false;
}

bool IsTaskClock(const perf_event_attr& a) {
  return a.type == PERF_TYPE_SOFTWARE && a.config == PERF_COUNT_SW_TASK_CLOCK;
}

// task-clock without libpfm4: it is the fallback, so it must not depend on
// the library that may have failed.
EventSpec TaskClockSpec() {
  auto attr = std::make_shared<perf_event_attr>();
  memset(attr.get(), 0, sizeof(*attr));
  attr->size = sizeof(*attr);
  attr->type = PERF_TYPE_SOFTWARE;
  attr->config = PERF_COUNT_SW_TASK_CLOCK;
  attr->exclude_kernel = 1;  // perf_event_paranoid 2 allows user level only
  attr->exclude_hv = 1;
  EventSpec spec;
  spec.name = std::string(kTaskClockName);
  spec.pfm_name = "perf::PERF_COUNT_SW_TASK_CLOCK (built in)";
  spec.source = CounterSource::kSoftwareCounter;
  spec.must_tick = true;
  spec.attr = std::move(attr);
  return spec;
}

// `s` without leading and trailing blanks.  (Debian's Abseil has its own
// string_view, so the absl helpers do not take std::string_view.)
std::string_view Trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view CounterSourceName(CounterSource source) {
  switch (source) {
    case CounterSource::kHardwareCounter:
      return "hardware counter";
    case CounterSource::kSoftwareCounter:
      return "software counter";
    case CounterSource::kTsc:
      return "TSC";
    case CounterSource::kEstimate:
      return "estimate";
  }
  return "unknown";
}
// ---- encoding and the set ----------------------------------------------

absl::StatusOr<EventSpec> EncodeEvent(std::string_view name) {
  if (!PfmStatus().ok()) return PfmStatus();
  auto attr = std::make_shared<perf_event_attr>();
  memset(attr.get(), 0, sizeof(*attr));
  char* fstr = nullptr;
  pfm_perf_encode_arg_t arg;
  memset(&arg, 0, sizeof(arg));
  arg.attr = attr.get();
  arg.fstr = &fstr;
  arg.size = sizeof(arg);
  std::string name_z(name);
  int r = pfm_get_os_event_encoding(name_z.c_str(), PFM_PLM3,
                                    PFM_OS_PERF_EVENT_EXT, &arg);
  if (r != PFM_SUCCESS) {
    free(fstr);
    return absl::InvalidArgumentError(absl::StrFormat(
        "unknown counter \"%s\" in --counters: libpfm4 cannot encode it "
        "(%s); %s",
        name, pfm_strerror(r), kAcceptedHelp));
  }
  EventSpec spec;
  spec.name = name_z;
  spec.pfm_name = fstr ? fstr : name_z;
  free(fstr);
  spec.source =
      attr->type == PERF_TYPE_SOFTWARE || attr->type == PERF_TYPE_TRACEPOINT
          ? CounterSource::kSoftwareCounter
          : CounterSource::kHardwareCounter;
  spec.must_tick = MustTick(*attr);
  spec.core_cycles = attr->type == PERF_TYPE_HARDWARE &&
                     attr->config == PERF_COUNT_HW_CPU_CYCLES;
  spec.attr = std::move(attr);
  return spec;
}

absl::StatusOr<CounterSet> CounterSet::Parse(std::string_view spec) {
  // Calibrate the clocks now, at startup, rather than in the first Read()
  // of a measurement.
  GetClockCalibration();
  CounterSet set;
  set.spec_ = std::string(spec);
  std::vector<std::string> names;
  std::string_view trimmed = Trim(spec);
  if (trimmed == "auto") {
    set.is_auto_ = true;
    for (std::string_view n : kAutoEvents) names.emplace_back(n);
  } else {
    std::vector<std::string> parts = absl::StrSplit(std::string(trimmed), ',');
    for (const std::string& part : parts) {
      std::string_view n = Trim(part);
      if (n.empty()) {
        return absl::InvalidArgumentError(
            absl::StrFormat("empty counter name in --counters=\"%s\"; %s", spec,
                            kAcceptedHelp));
      }
      if (n == "auto") {
        return absl::InvalidArgumentError(
            "--counters: \"auto\" cannot be combined with event names; give "
            "either auto or a list");
      }
      if (n == kTscTicksName || n == kCoreCyclesEstimateName) continue;
      if (std::find(names.begin(), names.end(), n) != names.end()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "counter \"%s\" appears twice in --counters; list each once", n));
      }
      names.emplace_back(n);
    }
  }
  std::vector<EventSpec> hardware, software;
  bool have_task_clock = false;
  for (const std::string& n : names) {
    absl::StatusOr<EventSpec> e = EncodeEvent(n);
    if (!e.ok()) {
      // Without libpfm4 the auto set degrades to the fallback figures.
      if (set.is_auto_ && absl::IsFailedPrecondition(e.status())) continue;
      return e.status();
    }
    if (IsTaskClock(*e->attr)) {
      if (have_task_clock) continue;
      have_task_clock = true;
      e->name = std::string(kTaskClockName);
    }
    (e->source == CounterSource::kHardwareCounter ? hardware : software)
        .push_back(*std::move(e));
  }
  set.events_ = std::move(hardware);
  for (EventSpec& e : software) {
    if (!IsTaskClock(*e.attr)) set.events_.push_back(std::move(e));
  }
  set.events_.push_back(TaskClockSpec());
  return set;
}

CounterSet CounterSet::ForList() {
  std::vector<EventSpec> events;
  for (auto list : {std::span<const std::string_view>(kAutoEvents),
                    std::span<const std::string_view>(kListExtraEvents)}) {
    for (std::string_view n : list) {
      absl::StatusOr<EventSpec> e = EncodeEvent(n);
      if (e.ok()) events.push_back(*std::move(e));
    }
  }
  events.push_back(TaskClockSpec());
  CounterSet set = Of(std::move(events));
  set.spec_ = "list";
  return set;
}

CounterSet CounterSet::Of(std::vector<EventSpec> events) {
  CounterSet set;
  set.events_ = std::move(events);
  return set;
}

}  // namespace harness
