#include "harness/runner.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "barriers/barrier_config.h"
#include "barriers/wb_buf_flush.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "harness/clock.h"
#include "harness/counters.h"
#include "harness/metadata.h"
#include "workloads/workload.h"

namespace harness {

std::atomic<bool> interrupt_requested{false};

namespace {

// Operations per Step() call: small enough that a safepoint request waits
// tens of microseconds at most, large enough that the TSC reads around a
// chunk (~40 cycles) are noise.  Workloads whose operations are large scale
// their own work per operation accordingly.
constexpr uint64_t kOpsPerChunk = 512;
constexpr char kBaselineName[] = "baseline";

struct Config {
  workloads::WorkloadKind workload;
  std::string workload_name;
  barriers::BarrierKind barrier;
  std::string barrier_name;  // "baseline" for the baseline
  gc::GcMode mode;
  bool baseline = false;
};

// What one mutator thread measured.
struct ThreadResult {
  workloads::Counts counts;
  uint64_t ticks = 0;     // TSC ticks inside Step()
  uint64_t on_ticks = 0;  // of those, with the barrier on at both ends
  workloads::Counts on;   // stores made in those chunks
  CounterReadings readings;
  uint64_t checksum = 0;
};

// A one-shot gate the mutators wait at, parked so pauses can proceed.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void Wait() {
    gc::ParkScope parked;
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class Latch {
 public:
  explicit Latch(int n) : n_(n) {}
  void CountDown() {
    std::lock_guard<std::mutex> l(mu_);
    if (--n_ == 0) cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int n_;
};

void MutatorMain(gc::Collector& collector, const Options& o, const Config& c,
                 const CounterSet& counter_set, int thread, Latch& ready,
                 Gate& go, std::atomic<bool>& stop, ThreadResult& out) {
  gc::MutatorScope scope(collector);
  barriers::ResetWbBuf(scope.mutator().p());  // the installed geometry
  workloads::Params params{o.seed + static_cast<uint64_t>(thread), o.scale,
                           thread, o.threads};
  auto w = workloads::MakeWorkload(c.workload, c.barrier, o.algorithm, params);
  w->Setup();
  ThreadCounters counters = ThreadCounters::Open(counter_set);
  ready.CountDown();
  go.Wait();

  const workloads::Counts before = w->counts();
  const uint64_t ops_limit = o.ops.value_or(UINT64_MAX);
  uint64_t ops = 0, ticks = 0, on_ticks = 0;
  counters.Start();
  while (ops < ops_limit && !stop.load(std::memory_order_relaxed)) {
    const uint64_t n = std::min(kOpsPerChunk, ops_limit - ops);
    const bool on_before = barriers::WriteBarrierEnabled();
    const workloads::Counts c0 = w->counts();
    const uint64_t t0 = Rdtscp();
    w->Step(n);
    const uint64_t t1 = Rdtscp();
    ticks += t1 - t0;
    if (on_before && barriers::WriteBarrierEnabled()) {
      on_ticks += t1 - t0;
      out.on.stores += w->counts().stores - c0.stores;
      out.on.barriered += w->counts().barriered - c0.barriered;
    }
    ops += n;
    gc::Safepoint();
  }
  counters.Stop();
  out.readings = counters.Read();
  out.counts.ops = w->counts().ops - before.ops;
  out.counts.stores = w->counts().stores - before.stores;
  out.counts.barriered = w->counts().barriered - before.barriered;
  out.ticks = ticks;
  out.on_ticks = on_ticks;
  out.checksum = w->Checksum();
}

// Runs one repetition of `c` and returns its counters.
Repetition RunRepetition(const Options& o, const Config& c,
                         const CounterSet& counter_set, int index) {
  gc::GcConfig gcc = o.gc;
  gcc.mode = c.mode;
  barriers::BarrierConfig bc;
  bc.kind = c.barrier;
  bc.algorithm = o.algorithm;
  bc.wbbuf_entries = o.gc.wbbuf_entries;
  bc.cgocheck = o.cgocheck == CgocheckMode::kAbort
                    ? barriers::CgocheckMode::kAbort
                    : barriers::CgocheckMode::kCount;
  if (absl::Status s = barriers::InstallBarrier(bc); !s.ok()) std::abort();
  barriers::ApplyToGcConfig(bc, &gcc);
  gc::Heap::Init(gcc);
  gc::UnsafeKnobs knobs;
  knobs.barrier_off_during_mark = c.barrier == barriers::BarrierKind::kNone &&
                                  !c.baseline && c.mode != gc::GcMode::kStw &&
                                  c.mode != gc::GcMode::kOff;
  gc::Collector collector(gcc, knobs);
  collector.Start();

  Latch ready(o.threads);
  Gate go;
  std::atomic<bool> stop{false};
  std::vector<ThreadResult> results(o.threads);
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      MutatorMain(collector, o, c, counter_set, t, ready, go, stop, results[t]);
    });
  }
  ready.Wait();
  // As Go's benchmark: start measuring from a collected heap.
  if (c.mode != gc::GcMode::kOff) collector.Collect();
  const size_t cycles_before = collector.stats().Cycles();
  barriers::ResetFlushCounts();
  go.Open();
  if (!o.ops) {
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(o.duration));
    stop.store(true);
  }
  for (std::thread& t : threads) t.join();
  const uint64_t flushes = barriers::TotalFlushes();
  // Cycles that start after the mutators have gone (under --gc=continuous,
  // many quick ones over an empty heap) belong to no measured store; the one
  // in progress now, which Stop() finishes, does.
  const size_t cycles_after = collector.stats().Cycles() +
                              (collector.phase() != gc::GcPhase::kOff ? 1 : 0);
  collector.Stop();

  Repetition rep;
  rep.index = index;
  auto& k = rep.counters;
  double stores = 0, barriered = 0, ticks = 0, on_ticks = 0;
  double on_stores = 0, on_barriered = 0;
  // Hardware cycles and task-clock count only if every mutator has them.
  double cycles = 0, task_clock = 0;
  bool have_cycles = true, have_task_clock = true;
  for (const ThreadResult& r : results) {
    stores += static_cast<double>(r.counts.stores);
    barriered += static_cast<double>(r.counts.barriered);
    ticks += static_cast<double>(r.ticks);
    on_ticks += static_cast<double>(r.on_ticks);
    on_stores += static_cast<double>(r.on.stores);
    on_barriered += static_cast<double>(r.on.barriered);
    auto hw = r.readings.Get("cycles");
    have_cycles &= hw && hw->source == CounterSource::kHardwareCounter;
    if (hw) cycles += hw->value;
    auto tc = r.readings.Get(kTaskClockName);
    have_task_clock &= tc.has_value();
    if (tc) task_clock += tc->value;
  }
  const double tsc_hz = TscHz();
  k[kStores] = stores;
  k[kBarrieredStores] = barriered;
  if (stores > 0) {
    const double ns = ticks / tsc_hz * 1e9 / stores;
    k[kNsPerStore] = ns;
    k[kTscTicksPerStore] = ticks / stores;
    if (have_cycles) {
      k[kCyclesPerStore] = cycles / stores;
    } else if (EstimatedCoreHz() > 0) {
      k[kCyclesPerStore] = ns * EstimatedCoreHz() / 1e9;
    }
    if (have_task_clock) k[kCpuNsPerStore] = task_clock / stores;
    k[kFlushesPer1000] = 1000.0 * static_cast<double>(flushes) / stores;
  }
  if (ticks > 0) k[kBarrierOnFraction] = on_ticks / ticks;
  if (on_stores > 0 && on_barriered > 0) {
    k[kNsPerStoreBarrierOn] = on_ticks / tsc_hz * 1e9 / on_stores;
    k[kBarrieredFractionOn] = on_barriered / on_stores;
  }
  k[kFlushes] = static_cast<double>(flushes);
  std::vector<gc::CycleStats> history = collector.stats().History();
  double mark_ns = 0, max_pause_ns = 0, lost = 0;
  for (size_t i = 0; i < history.size(); ++i) {
    lost += static_cast<double>(history[i].lost_objects);
    if (i < cycles_before || i >= cycles_after) continue;
    mark_ns += static_cast<double>(history[i].mark_wall_ns);
    for (int64_t p : history[i].pauses_ns) {
      max_pause_ns = std::max(max_pause_ns, static_cast<double>(p));
    }
  }
  k[kGcCycles] = static_cast<double>(std::min(cycles_after, history.size()) -
                                     cycles_before);
  k[kMarkMs] = mark_ns / 1e6;
  k[kMaxPauseUs] = max_pause_ns / 1e3;
  if (o.gc.verify) k[kLostObjects] = lost;
  return rep;
}

// Adds the barrier's share to every repetition of `row`, against the
// baseline repetition with the same index: the time per store of the chunks
// run with the barrier on, minus the baseline's time per store, per
// barriered store of those chunks.  Cycles convert the ns figure at the
// repetition's own cycles-per-ns (hardware or estimated).
void AddBarrierShare(const Row& baseline, Row* row) {
  for (Repetition& rep : row->repetitions) {
    const Repetition* base = nullptr;
    for (const Repetition& b : baseline.repetitions) {
      if (b.index == rep.index) base = &b;
    }
    auto& k = rep.counters;
    if (base == nullptr || !k.contains(kNsPerStoreBarrierOn) ||
        !base->counters.contains(kNsPerStore)) {
      continue;
    }
    const double share =
        (k[kNsPerStoreBarrierOn] - base->counters.at(kNsPerStore)) /
        k[kBarrieredFractionOn];
    k[kBarrierNsPerStore] = share;
    if (k.contains(kCyclesPerStore) && k[kNsPerStore] > 0) {
      k[kBarrierCyclesPerStore] = share * k[kCyclesPerStore] / k[kNsPerStore];
    }
  }
}

std::string GcModeName(gc::GcMode mode) {
  switch (mode) {
    case gc::GcMode::kConcurrent:
      return "concurrent";
    case gc::GcMode::kContinuous:
      return "continuous";
    case gc::GcMode::kStw:
      return "stw";
    case gc::GcMode::kOff:
      return "off";
  }
  return "?";
}

}  // namespace

absl::StatusOr<Report> RunBenchmarks(const Options& o,
                                     const ProgressFn& progress) {
  for (barriers::BarrierKind b : o.barriers) {
    if (absl::Status s =
            barriers::CheckBarrierForGcMode(b, o.gc.mode, o.unsafe);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<CounterSet> counter_set = CounterSet::Parse(o.counters);
  if (!counter_set.ok()) return counter_set.status();

  Report report;
  Metadata& m = report.meta;
  FillMachineMetadata(&m);
  m.gc_mode = GcModeName(o.gc.mode);
  m.algorithm = std::string(barriers::InfoFor(o.algorithm).name);
  m.threads = o.threads;
  m.repetitions = o.repetitions;
  m.baseline =
      "barrier share = (ns/store in chunks run with the barrier on - ns/store "
      "of the same workload with barrier none and gc=stw) / fraction of those "
      "stores that were barriered";
  CounterAvailability avail = ProbeCounters(*counter_set);
  for (const auto& e : avail.events) {
    m.counter_sources[e.name] = e.available
                                    ? std::string(CounterSourceName(e.source))
                                    : absl::StrCat("unavailable: ", e.detail);
  }
  m.counter_sources["tsc_ticks"] = "tsc";
  if (avail.group_read_ns > 0) m.counter_read_ns = avail.group_read_ns;
  bool hw_cycles = false;
  for (const auto& e : avail.events) {
    if (e.name == "cycles" && e.available) hw_cycles = true;
  }
  if (hw_cycles) {
    m.cycles_source = "hardware";
  } else if (m.est_core_hz) {
    m.cycles_source = "estimate";
    m.counters_missing_reason = avail.summary;
  }

  std::vector<Config> configs;
  for (workloads::WorkloadKind w : o.workloads) {
    std::string wname;
    for (const auto& info : workloads::AllWorkloads()) {
      if (info.kind == w) wname = std::string(info.name);
    }
    for (barriers::BarrierKind b : o.barriers) {
      configs.push_back({w, wname, b, std::string(barriers::BarrierName(b)),
                         o.gc.mode, false});
    }
    configs.push_back({w, wname, barriers::BarrierKind::kNone, kBaselineName,
                       gc::GcMode::kStw, true});
  }
  std::vector<Row> rows(configs.size());
  for (size_t i = 0; i < configs.size(); ++i) {
    rows[i].workload = configs[i].workload_name;
    rows[i].barrier = configs[i].barrier_name;
    rows[i].name = absl::StrCat(configs[i].workload_name,
                                "/barrier=", configs[i].barrier_name);
  }

  const CpuTimes cpu_before = ReadCpuTimes();
  // One warm-up repetition (code, page cache, calibrations); every
  // repetition after it starts from a fresh heap, so warming each
  // configuration separately would buy nothing.
  const int total = static_cast<int>(configs.size()) * o.repetitions + 1;
  int done = 0;
  for (int rep = -1; rep < o.repetitions && !interrupt_requested; ++rep) {
    const size_t n = rep < 0 ? 1 : configs.size();
    for (size_t i = 0; i < n && !interrupt_requested; ++i) {
      if (progress) {
        progress(done, total,
                 absl::StrCat(rows[i].name,
                              rep < 0 ? " warm-up"
                                      : absl::StrCat(" repetition ", rep + 1,
                                                     "/", o.repetitions)));
      }
      Repetition r = RunRepetition(o, configs[i], *counter_set, rep);
      if (rep >= 0) rows[i].repetitions.push_back(std::move(r));
      ++done;
    }
  }
  m.interrupted = interrupt_requested.load();
  m.steal_percent = StealPercent(cpu_before, ReadCpuTimes());

  // Barrier shares against the workload's baseline row, then the rows in
  // the order the user asked for, baseline last.
  for (size_t i = 0; i < configs.size(); ++i) {
    if (configs[i].baseline) continue;
    for (size_t j = 0; j < configs.size(); ++j) {
      if (configs[j].baseline && configs[j].workload == configs[i].workload) {
        AddBarrierShare(rows[j], &rows[i]);
      }
    }
    for (const Repetition& r : rows[i].repetitions) {
      auto lost = r.counters.find(kLostObjects);
      if (lost != r.counters.end() && lost->second > 0) {
        rows[i].error =
            absl::StrCat("verifier found ", lost->second, " lost objects");
      }
    }
  }
  report.rows = std::move(rows);
  return report;
}

}  // namespace harness
