// File: harness/thread_counters.cc
//
// Per-thread groups with plausibility checks, the fallback figures, and
// totals over threads.
//
// Plausibility: a group that was enabled but never ran yields no figures
// (nothing was observed); an event that must tick while its thread runs
// (cycles, instructions, ref-cycles, bus-cycles, task-clock, cpu-clock) and
// reads 0 is unavailable, and if it is a hardware event the PMU is not
// really counting, so every hardware figure of that group goes with it.
#include "harness/thread_counters.h"

#include <linux/perf_event.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/clock.h"
#include "harness/perf_system.h"

namespace harness {
namespace {

// Group reads per timed batch in MeasureReadCostNs: 16 reads make the two
// rdtscp around the batch negligible next to a read(2) of some 100 ns.
constexpr int kReadsPerBatch = 16;

std::string UnitOf(const EventSpec& spec) {
  if (spec.attr->type == PERF_TYPE_SOFTWARE &&
      (spec.attr->config == PERF_COUNT_SW_TASK_CLOCK ||
       spec.attr->config == PERF_COUNT_SW_CPU_CLOCK)) {
    return "ns";
  }
  return spec.core_cycles ? "cycles" : "events";
}

}  // namespace

std::optional<CounterReading> CounterReadings::Get(
    std::string_view name) const {
  for (const CounterReading& r : present) {
    if (r.name == name) return r;
  }
  return std::nullopt;
}

// ---- one thread ---------------------------------------------------------

ThreadCounters ThreadCounters::Open(const CounterSet& set, pid_t tid,
                                    PerfEventApi* api) {
  ThreadCounters tc(api);
  for (const EventSpec& e : set.events()) {
    int r = tc.group_.Add(*e.attr, tid);
    if (r < 0) {
      tc.failed_.push_back({e.name, ExplainOpenError(-r, e), -r});
    } else {
      tc.members_.push_back(e);
    }
  }
  tc.baseline_.values.assign(tc.members_.size(), 0);
  return tc;
}

void ThreadCounters::Start() {
  if (running_) return;
  running_ = true;
  group_.Enable();
  tsc_start_ = Rdtscp();
}

void ThreadCounters::Stop() {
  if (!running_) return;
  tsc_ticks_ += Rdtscp() - tsc_start_;
  group_.Disable();
  running_ = false;
}

void ThreadCounters::Reset() {
  GroupValues now;
  if (group_.size() > 0 && group_.Read(&now) == 0) {
    baseline_ = std::move(now);
  }
  tsc_ticks_ = 0;
  if (running_) tsc_start_ = Rdtscp();
}

bool ThreadCounters::has_hardware() const {
  return std::any_of(members_.begin(), members_.end(), [](const EventSpec& e) {
    return e.source == CounterSource::kHardwareCounter;
  });
}

std::vector<std::string> ThreadCounters::opened() const {
  std::vector<std::string> names;
  for (const EventSpec& e : members_) names.push_back(e.name);
  return names;
}

CounterReadings ThreadCounters::Read() {
  CounterReadings out;
  out.unavailable = failed_;
  auto drop_all = [&](const std::string& reason) {
    for (const EventSpec& e : members_) {
      out.unavailable.push_back({e.name, reason, 0});
    }
  };
  GroupValues v;
  if (members_.empty()) {
    // Nothing opened: every failure is already in `unavailable`.
  } else if (int err = group_.Read(&v); err < 0) {
    drop_all(absl::StrCat("the group read failed with ", ErrnoName(-err)));
  } else {
    uint64_t enabled = v.time_enabled - baseline_.time_enabled;
    uint64_t running = v.time_running - baseline_.time_running;
    if (enabled == 0) {
      drop_all(
          "not counted: the thread did not run while the group was enabled");
    } else if (running == 0) {
      drop_all(absl::StrFormat(
          "not counted: enabled for %d ns but never scheduled on the PMU "
          "(too many events, or another user such as the NMI watchdog holds "
          "the counters)",
          enabled));
    } else {
      // A hardware event that must tick and read 0 shows the PMU is not
      // counting: none of this group's hardware figures can be trusted.
      std::string dead_pmu;
      for (size_t i = 0; i < members_.size(); ++i) {
        const EventSpec& e = members_[i];
        if (e.source == CounterSource::kHardwareCounter && e.must_tick &&
            v.values[i] == baseline_.values[i]) {
          dead_pmu = absl::StrFormat(
              "%s opened but read 0 over %d ns of running: the PMU is not "
              "counting (as on some VMs)",
              e.name, running);
          break;
        }
      }
      for (size_t i = 0; i < members_.size(); ++i) {
        const EventSpec& e = members_[i];
        uint64_t raw = v.values[i] - baseline_.values[i];
        if (e.source == CounterSource::kHardwareCounter && !dead_pmu.empty()) {
          out.unavailable.push_back({e.name, dead_pmu, 0});
        } else if (e.must_tick && raw == 0) {
          out.unavailable.push_back(
              {e.name,
               absl::StrFormat("read 0 over %d ns of running, where it cannot "
                               "be 0",
                               running),
               0});
        } else {
          CounterReading r;
          r.name = e.name;
          r.value = *ScaleCount(raw, enabled, running);
          r.source = e.source;
          r.running_fraction = RunningFraction(enabled, running);
          r.time_enabled_ns = enabled;
          r.time_running_ns = running;
          r.unit = UnitOf(e);
          out.present.push_back(std::move(r));
        }
      }
    }
  }

  uint64_t ticks = tsc_ticks_ + (running_ ? Rdtscp() - tsc_start_ : 0);
  if (ticks > 0) {
    out.present.push_back({std::string(kTscTicksName),
                           static_cast<double>(ticks), CounterSource::kTsc, 1,
                           0, 0, "ticks"});
  } else {
    out.unavailable.push_back(
        {std::string(kTscTicksName), "no interval measured (Start/Stop)", 0});
  }

  bool hardware = false, cycles = false;
  for (const CounterReading& r : out.present) {
    if (r.source != CounterSource::kHardwareCounter) continue;
    hardware = true;
    for (const EventSpec& e : members_) {
      if (e.name == r.name && e.core_cycles) cycles = true;
    }
  }
  if (!cycles) {
    double core_hz = EstimatedCoreHz();
    std::optional<CounterReading> task_clock = out.Get(kTaskClockName);
    std::optional<double> seconds;
    if (task_clock) {
      seconds = task_clock->value / 1e9;
    } else if (ticks > 0) {
      seconds = ticks / TscHz();
    }
    if (seconds) {
      out.present.push_back({std::string(kCoreCyclesEstimateName),
                             *seconds * core_hz, CounterSource::kEstimate, 1, 0,
                             0, "cycles"});
    }
  }
  if (!hardware) {
    // The first reason stands for the rest: they share a cause (no PMU,
    // permissions) far more often than not, and the full list is in
    // `unavailable`.
    std::string why = "none was requested";
    int others = -1;
    for (const UnavailableCounter& u : out.unavailable) {
      if (u.name == kTscTicksName || u.name == kTaskClockName) continue;
      if (++others == 0) why = absl::StrCat(u.name, ": ", u.reason);
    }
    if (others > 0) absl::StrAppend(&why, " (and ", others, " more)");
    out.fallback_reason = absl::StrCat(
        "no hardware counter (", why,
        "); reporting task-clock (software counter), tsc_ticks (TSC at ",
        FormatHz(TscHz()), ") and core_cycles_estimate (task-clock x ",
        FormatHz(EstimatedCoreHz()), " calibrated core clock)");
  }
  return out;
}

double ThreadCounters::MeasureReadCostNs(int samples) {
  if (group_.size() == 0 || samples <= 0) return 0;
  GroupValues v;
  std::vector<double> per_read;
  per_read.reserve(samples);
  for (int s = 0; s < samples; ++s) {
    uint64_t start = Rdtscp();
    for (int i = 0; i < kReadsPerBatch; ++i) group_.Read(&v);
    uint64_t end = Rdtscp();
    per_read.push_back((end - start) * 1e9 / TscHz() / kReadsPerBatch);
  }
  std::nth_element(per_read.begin(), per_read.begin() + samples / 2,
                   per_read.end());
  return per_read[samples / 2];
}

// ---- totals -----------------------------------------------------------

void CounterTotals::Add(const CounterReadings& thread) {
  ++threads_;
  for (const CounterReading& r : thread.present) {
    auto it = std::find_if(sums_.begin(), sums_.end(), [&](const Sum& s) {
      return s.reading.name == r.name;
    });
    if (it == sums_.end()) {
      sums_.push_back({r, 1});
    } else {
      it->reading.value += r.value;
      it->reading.time_enabled_ns += r.time_enabled_ns;
      it->reading.time_running_ns += r.time_running_ns;
      ++it->threads;
    }
  }
  for (const UnavailableCounter& u : thread.unavailable) {
    if (std::none_of(
            unavailable_.begin(), unavailable_.end(),
            [&](const UnavailableCounter& x) { return x.name == u.name; })) {
      unavailable_.push_back(u);
    }
  }
}

CounterReadings CounterTotals::Get() const {
  CounterReadings out;
  out.unavailable = unavailable_;
  bool hardware = false;
  for (const Sum& s : sums_) {
    if (s.threads == threads_) {
      CounterReading r = s.reading;
      if (r.source == CounterSource::kHardwareCounter ||
          r.source == CounterSource::kSoftwareCounter) {
        r.running_fraction =
            RunningFraction(r.time_enabled_ns, r.time_running_ns);
      }
      hardware |= r.source == CounterSource::kHardwareCounter;
      out.present.push_back(std::move(r));
    } else if (std::none_of(out.unavailable.begin(), out.unavailable.end(),
                            [&](const UnavailableCounter& u) {
                              return u.name == s.reading.name;
                            })) {
      out.unavailable.push_back(
          {s.reading.name,
           absl::StrFormat("present on only %d of %d threads; a partial sum "
                           "would undercount",
                           s.threads, threads_),
           0});
    }
  }
  if (!hardware) {
    out.fallback_reason =
        "no hardware counter was present on every thread; the figures are "
        "task-clock, tsc_ticks and core_cycles_estimate";
  }
  return out;
}

}  // namespace harness
