// File: harness/counters.cc
//
// Encoding (libpfm4), per-thread groups with plausibility checks, the
// fallback figures, totals over threads, and the availability probe behind
// `wbbench --list`.
//
// Plausibility: a group that was enabled but never ran yields no figures
// (nothing was observed); an event that must tick while its thread runs
// (cycles, instructions, ref-cycles, bus-cycles, task-clock, cpu-clock) and
// reads 0 is unavailable, and if it is a hardware event the PMU is not
// really counting, so every hardware figure of that group goes with it.
#include "harness/counters.h"

#include <perfmon/pfmlib_perf_event.h>
#include <string.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
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
// Group reads per timed batch in MeasureReadCostNs: 16 reads make the two
// rdtscp around the batch negligible next to a read(2) of some 100 ns.
constexpr int kReadsPerBatch = 16;
// Batches timed for the metadata figure (the median is reported).
constexpr int kReadCostSamples = 64;
// Probe loop length: 1 << 18 dependent random loads and branches, a few ms,
// long enough that every real counter ticks and misses happen.
constexpr uint32_t kProbeSteps = 1u << 18;
// Probe buffer: 4 MiB of random indices, larger than L1 and L2, so
// L1-dcache-load-misses and cache-misses are nonzero on real hardware.
constexpr size_t kProbeWords = 1u << 20;

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

std::string UnitOf(const EventSpec& spec) {
  if (spec.attr->type == PERF_TYPE_SOFTWARE &&
      (spec.attr->config == PERF_COUNT_SW_TASK_CLOCK ||
       spec.attr->config == PERF_COUNT_SW_CPU_CLOCK)) {
    return "ns";
  }
  return spec.core_cycles ? "cycles" : "events";
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

// ---- why an open failed --------------------------------------------------

struct SystemPerfInfo {
  std::optional<int> paranoid;
  std::vector<std::string> pmus;
  bool core_pmu = false;
  std::optional<int> seccomp;
};

// `s` without leading and trailing blanks.  (Debian's Abseil has its own
// string_view, so the absl helpers do not take std::string_view.)
std::string_view Trim(std::string_view s) {
  while (!s.empty() && absl::ascii_isspace(s.front())) s.remove_prefix(1);
  while (!s.empty() && absl::ascii_isspace(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<int> ReadIntFile(const char* path) {
  std::ifstream in(path);
  std::string text;
  int value;
  if (!(in >> text) || !absl::SimpleAtoi(text, &value)) return std::nullopt;
  return value;
}

std::optional<int> ReadSeccomp() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    std::string_view rest = line;
    if (rest.starts_with("Seccomp:")) {
      rest.remove_prefix(8);
      int value;
      if (absl::SimpleAtoi(std::string(Trim(rest)), &value)) {
        return value;
      }
    }
  }
  return std::nullopt;
}

const SystemPerfInfo& GetSystemPerfInfo() {
  static const SystemPerfInfo* const kInfo = [] {
    auto* info = new SystemPerfInfo;
    info->paranoid = ReadIntFile("/proc/sys/kernel/perf_event_paranoid");
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(
             "/sys/bus/event_source/devices", ec)) {
      info->pmus.push_back(entry.path().filename().string());
    }
    std::sort(info->pmus.begin(), info->pmus.end());
    for (const std::string& pmu : info->pmus) {
      if (pmu == "cpu" || pmu == "cpu_core" || pmu == "cpu_atom" ||
          absl::StartsWith(pmu, "armv")) {
        info->core_pmu = true;
      }
    }
    info->seccomp = ReadSeccomp();
    return info;
  }();
  return *kInfo;
}

std::string ErrnoName(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : absl::StrCat("errno ", err);
}

std::string ExplainOpenError(int err, const EventSpec& spec) {
  const SystemPerfInfo& sys = GetSystemPerfInfo();
  bool hardware = spec.source == CounterSource::kHardwareCounter;
  std::string why;
  switch (err) {
    case ENOENT:
    case ENODEV:
    case EOPNOTSUPP:
      if (hardware && !sys.core_pmu) {
        why = "no hardware PMU (a VM without PMU passthrough?)";
      } else {
        why = "the PMU or kernel cannot count this event";
      }
      break;
    case EACCES:
    case EPERM:
      why = absl::StrFormat(
          "not permitted: kernel.perf_event_paranoid=%s (counting user-level "
          "events of one's own threads needs <= 2, or CAP_PERFMON)",
          sys.paranoid ? absl::StrCat(*sys.paranoid) : "unknown");
      if (sys.seccomp.value_or(0) != 0) {
        absl::StrAppend(&why,
                        "; a seccomp filter is active (Seccomp: ", *sys.seccomp,
                        ") and may block perf_event_open");
      }
      break;
    case ENOSYS:
      why =
          "perf_event_open is not available (kernel without perf events, "
          "or blocked by seccomp)";
      break;
    case EINVAL:
      why =
          "the kernel rejected the encoding, or the group needs more "
          "counters than the PMU has";
      break;
    case EBUSY:
      why = "the PMU is in exclusive use by another user";
      break;
    case EMFILE:
    case ENFILE:
      why = "too many open files";
      break;
    case ESRCH:
      why = "no such thread";
      break;
    default:
      why = strerror(err);
      break;
  }
  return absl::StrCat("perf_event_open: ", ErrnoName(err), ": ", why);
}

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

std::string FormatHz(double hz) {
  return absl::StrFormat("%.3f GHz", hz / 1e9);
}

}  // namespace

// ---- sources and readings ---------------------------------------------

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

std::optional<CounterReading> CounterReadings::Get(
    std::string_view name) const {
  for (const CounterReading& r : present) {
    if (r.name == name) return r;
  }
  return std::nullopt;
}

std::string FormatReading(const CounterReading& r) {
  std::string out = absl::StrFormat("%s %.6g %s (%s", r.name, r.value, r.unit,
                                    CounterSourceName(r.source));
  if (r.running_fraction < 1) {
    absl::StrAppendFormat(&out, ", scaled, running %.1f%%",
                          100 * r.running_fraction);
  }
  out += ")";
  return out;
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
