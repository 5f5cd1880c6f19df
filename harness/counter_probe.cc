// File: harness/counter_probe.cc
//
// The availability probe behind `wbbench --list`: each event alone over a
// busy loop that makes every real counter tick, and the lines and metadata
// that describe the result.
#include "harness/counter_probe.h"

#include <algorithm>
#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/clock.h"
#include "harness/perf_system.h"
#include "harness/thread_counters.h"

namespace harness {
namespace {

// Batches timed for the metadata figure (the median is reported).
constexpr int kReadCostSamples = 64;
// Probe loop length: 1 << 18 dependent random loads and branches, a few ms,
// long enough that every real counter ticks and misses happen.
constexpr uint32_t kProbeSteps = 1u << 18;
// Probe buffer: 4 MiB of random indices, larger than L1 and L2, so
// L1-dcache-load-misses and cache-misses are nonzero on real hardware.
constexpr size_t kProbeWords = 1u << 20;

// ---- the probe's busy loop ----------------------------------------------

// Random walk over a permutation-like table: dependent loads that miss L1
// and branches that depend on loaded values.
uint64_t ProbeWork() {
  static const std::vector<uint32_t>* const kTable = [] {
    auto* t = new std::vector<uint32_t>(kProbeWords);
    uint64_t x = 0x9e3779b97f4a7c15;
    for (uint32_t& v : *t) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      v = static_cast<uint32_t>(x % kProbeWords);
    }
    return t;
  }();
  uint32_t i = 0;
  uint64_t odd = 0;
  for (uint32_t step = 0; step < kProbeSteps; ++step) {
    i = (*kTable)[i];
    if (i & 1) ++odd;
  }
  asm volatile("" : "+r"(odd));
  return odd;
}

}  // namespace

// ---- availability ---------------------------------------------------------

CounterAvailability ProbeCounters(const CounterSet& set, PerfEventApi* api) {
  const SystemPerfInfo& sys = GetSystemPerfInfo();
  const ClockCalibration& cal = GetClockCalibration();
  CounterAvailability a;
  a.perf_event_paranoid = sys.paranoid;
  a.pmus = sys.pmus;
  a.core_pmu_listed = sys.core_pmu;
  a.seccomp = sys.seccomp;
  a.tsc_hz = cal.tsc_hz;
  a.tsc_method = cal.tsc_method;
  a.core_hz_estimate = cal.core_hz_estimate;
  a.core_method = cal.core_method;

  int first_hw_error = 0;
  for (const EventSpec& e : set.events()) {
    EventAvailability ev{e.name, e.pfm_name, e.source, false, "", 0};
    ThreadCounters tc = ThreadCounters::Open(CounterSet::Of({e}), 0, api);
    tc.Start();
    uint64_t start = Rdtscp();
    ProbeWork();
    double probe_us = (Rdtscp() - start) * 1e6 / TscHz();
    tc.Stop();
    CounterReadings r = tc.Read();
    if (std::optional<CounterReading> got = r.Get(e.name)) {
      ev.available = true;
      ev.detail = absl::StrFormat("opened; read %.6g %s in a %.0f us probe",
                                  got->value, got->unit, probe_us);
      a.hardware_available |= e.source == CounterSource::kHardwareCounter;
    } else if (!r.unavailable.empty()) {
      ev.detail = r.unavailable.front().reason;
      ev.error = r.unavailable.front().error;
      if (e.source == CounterSource::kHardwareCounter && first_hw_error == 0) {
        first_hw_error = ev.error;
      }
    }
    a.events.push_back(std::move(ev));
  }
  a.events.push_back(
      {std::string(kTscTicksName), "rdtscp", CounterSource::kTsc, true,
       absl::StrFormat("%s (%s)", FormatHz(cal.tsc_hz), cal.tsc_method), 0});
  a.events.push_back(
      {std::string(kCoreCyclesEstimateName), "", CounterSource::kEstimate, true,
       absl::StrFormat("task-clock x %s (%s); reported only "
                       "when hardware cycles are absent",
                       FormatHz(cal.core_hz_estimate), cal.core_method),
       0});

  absl::StatusOr<CounterSet> auto_set = CounterSet::Parse("auto");
  if (auto_set.ok()) {
    ThreadCounters tc = ThreadCounters::Open(*auto_set, 0, api);
    a.group_read_ns = tc.MeasureReadCostNs(kReadCostSamples);
  }

  if (a.hardware_available) {
    a.summary = "hardware PMU: available";
  } else if (first_hw_error == EACCES || first_hw_error == EPERM) {
    a.summary = absl::StrFormat(
        "hardware PMU: not permitted (perf_event_paranoid=%s%s); using "
        "task-clock, TSC and an estimated core clock",
        sys.paranoid ? absl::StrCat(*sys.paranoid) : "unknown",
        sys.seccomp.value_or(0) ? ", seccomp filter active" : "");
  } else if (first_hw_error != 0) {
    a.summary = absl::StrCat(
        "hardware PMU: none (perf_event_open: ", ErrnoName(first_hw_error),
        sys.core_pmu ? "" : "; no core PMU in /sys/bus/event_source/devices",
        "); using task-clock, TSC and an estimated core clock");
  } else {
    a.summary =
        "hardware PMU: not counting (events open but read 0); using "
        "task-clock, TSC and an estimated core clock";
  }
  return a;
}

std::vector<std::string> DescribeCounterAvailability(
    const CounterAvailability& a) {
  std::vector<std::string> lines;
  lines.push_back(absl::StrCat("counters: ", a.summary));
  lines.push_back(absl::StrFormat(
      "  perf_event_paranoid=%s  seccomp=%s  PMUs: %s",
      a.perf_event_paranoid ? absl::StrCat(*a.perf_event_paranoid) : "unknown",
      a.seccomp ? absl::StrCat(*a.seccomp) : "unknown",
      a.pmus.empty() ? "none" : absl::StrJoin(a.pmus, " ")));
  for (const EventAvailability& e : a.events) {
    lines.push_back(absl::StrFormat("  %-22s %-11s %-16s %s", e.name,
                                    e.available ? "available" : "unavailable",
                                    CounterSourceName(e.source), e.detail));
  }
  lines.push_back(absl::StrFormat("  one group read (auto set) costs %.0f ns",
                                  a.group_read_ns));
  return lines;
}

std::vector<std::pair<std::string, std::string>> CounterContext(
    const CounterAvailability& a) {
  std::vector<std::string> available, unavailable;
  for (const EventAvailability& e : a.events) {
    if (e.available) {
      available.push_back(absl::StrCat(
          e.name, " (", std::string(CounterSourceName(e.source)), ")"));
    } else {
      unavailable.push_back(absl::StrCat(e.name, ": ", e.detail));
    }
  }
  return {
      {"counters_summary", a.summary},
      {"counters_hardware_pmu", a.hardware_available ? "yes" : "no"},
      {"counters_perf_event_paranoid",
       a.perf_event_paranoid ? absl::StrCat(*a.perf_event_paranoid)
                             : "unknown"},
      {"counters_seccomp", a.seccomp ? absl::StrCat(*a.seccomp) : "unknown"},
      {"counters_pmus", absl::StrJoin(a.pmus, ",")},
      {"counters_available", absl::StrJoin(available, ", ")},
      {"counters_unavailable", absl::StrJoin(unavailable, "; ")},
      {"counters_tsc_hz", absl::StrFormat("%.0f", a.tsc_hz)},
      {"counters_tsc_method", a.tsc_method},
      {"counters_core_hz_estimate",
       absl::StrFormat("%.0f", a.core_hz_estimate)},
      {"counters_core_method", a.core_method},
      {"counters_group_read_ns", absl::StrFormat("%.1f", a.group_read_ns)},
  };
}

}  // namespace harness
