#include "harness/runner.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "barriers/barrier_config.h"
#include "barriers/wb_buf_flush.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/start_thread.h"
#include "harness/chunk_meter.h"
#include "harness/clock.h"
#include "harness/counter_probe.h"
#include "harness/counter_set.h"
#include "harness/metadata.h"
#include "harness/statistics.h"
#include "harness/thread_counters.h"
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
// Each repetition first runs untimed for a quarter of its length: on
// tree-reverse the first few cycles of a fresh heap cost up to 30% more per
// store than the rest (the collector's work buffers grow, caches fill).
constexpr int kWarmupDivisor = 4;
// A leg that dropped more than this share of its blocks for descheduling
// measured a machine too busy to trust (reported, see report.cc).
constexpr double kDroppedWarn = 0.2;

// The configurations a row's figures come from (runner.h).
enum class Leg { kBaseline, kOff, kIncremental, kConcurrent };

const char* LegName(Leg leg) {
  switch (leg) {
    case Leg::kBaseline:
      return "baseline";
    case Leg::kOff:
      return "off";
    case Leg::kIncremental:
      return "incremental";
    case Leg::kConcurrent:
      return "concurrent";
  }
  return "?";
}

struct Config {
  workloads::WorkloadKind workload;
  barriers::BarrierKind barrier;
  gc::GcMode mode;
  Leg leg;
  size_t row;
  // Counted under valgrind (RunCountedConfiguration): kStw cycles run whole
  // between blocks on the mutator's thread, kIncremental steps mark a fixed
  // amount of work, and callgrind counts the chunks.
  bool counted = false;
};

// Under valgrind an incremental step marks this much scan work after the
// assist debt, in place of the time the block took: natively a step of a
// 16384-operation block of tree-reverse marks about as much (a block runs
// about 150 us; the marker scans on the order of 1 byte per ns).
constexpr uint64_t kCountedStepWork = 128 * 1024;

// What one mutator thread measured.
struct ThreadResult {
  workloads::Counts counts;  // every store, timed or not
  ChunkTotals kept;          // the chunks of the blocks that were kept
  uint64_t blocks = 0, dropped_blocks = 0, mark_step_chunks = 0;
  // Under valgrind: the chunks callgrind counted.
  uint64_t counted_chunks = 0, counted_switches = 0;
  workloads::Counts counted;
  uint64_t pause_ticks = 0, assist_ticks = 0;  // over the whole loop
  CounterReadings readings;
  uint64_t checksum = 0;
  // The collector's counts when this thread started measuring (under
  // --ops, where the thread itself ends its warm-up).
  size_t start_cycles = 0;
  uint64_t start_steps = 0, start_flushes = 0;
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

workloads::Counts Minus(const workloads::Counts& a,
                        const workloads::Counts& b) {
  return {a.ops - b.ops, a.stores - b.stores, a.barriered - b.barriered};
}

void MutatorMain(gc::Collector& collector, const Options& o, const Config& c,
                 const CounterSet& counter_set, int thread, Latch& ready,
                 Gate& go, const std::atomic<bool>& measuring,
                 const std::atomic<bool>& stop, ThreadResult& out) {
  gc::MutatorScope scope(collector);
  barriers::ResetWbBuf(scope.mutator().p());  // the installed geometry
  workloads::Params params{o.seed + static_cast<uint64_t>(thread), o.scale,
                           thread, o.threads};
  auto w = workloads::MakeWorkload(c.workload, c.barrier, o.algorithm, params);
  w->Setup();
  ThreadCounters counters = ThreadCounters::Open(counter_set);
  if (c.counted) {
    collector.Collect();  // runs on the calling thread (RunRepetition)
  } else {
    ready.CountDown();
    go.Wait();
  }

  gc::G* g = scope.mutator().g();
  // Between two blocks, Gosched: under the incremental schedule, the
  // cycle's next step (it marks for as long as the block ran).  The incremental
  // leg also leaves the collector idle after each cycle for as many steps
  // as the cycle took, so that its chunks with the barrier off (the check
  // configuration) interleave with the barrier-on ones in the same heap
  // (runner.h, "Decomposition").
  const bool gaps = c.mode == gc::GcMode::kIncremental && !c.counted;
  // Counted under kStw: a cycle runs whole here, once the pacer's trigger is
  // reached, and the sweep with it, so none of it runs inside a chunk.
  const bool stepped_stw = c.counted && c.mode == gc::GcMode::kStw;
  struct Schedule {
    uint64_t cycle_steps = 0, gap = 0;
  };
  auto between = [&](Schedule& s) {
    if (stepped_stw) {
      const gc::Pacer& pacer = collector.pacer();
      if (!pacer.Off() && collector.HeapLive() >= pacer.trigger()) {
        collector.Collect();
        gc::Heap::Get().FinishSweep();
      }
    } else if (!gaps) {
      gc::Gosched();
    } else if (barriers::WriteBarrierEnabled()) {
      ++s.cycle_steps;
      gc::Gosched();
      if (!barriers::WriteBarrierEnabled()) {
        s.gap = s.cycle_steps;
        s.cycle_steps = 0;
      }
    } else if (s.gap > 0) {
      --s.gap;
      gc::Safepoint();
    } else {
      gc::Gosched();  // starts the next cycle
    }
  };
  // Blocks of chunks until done().
  auto run_blocks = [&](ChunkMeter& meter, uint64_t ops_limit, auto done) {
    uint64_t ops = 0;
    Schedule schedule;
    while (ops < ops_limit && !done()) {
      meter.BeginBlock();
      for (int i = 0; i < kChunksPerBlock && ops < ops_limit && !done(); ++i) {
        const uint64_t n = std::min(kOpsPerChunk, ops_limit - ops);
        meter.Chunk([&] {
          const workloads::Counts c0 = w->counts();
          w->Step(n);
          return Minus(w->counts(), c0);
        });
        ops += n;
        gc::Safepoint();
      }
      meter.EndBlock();
      between(schedule);
    }
  };
  // Ctrl-C ends a repetition too, so that a huge --ops honours it.
  auto stopping = [&] {
    return stop.load(std::memory_order_relaxed) ||
           interrupt_requested.load(std::memory_order_relaxed);
  };
  // Warm-up, untimed: the first cycles of a fresh heap grow the collector's
  // buffers and are slower than the rest.  A quarter of --ops, or until the
  // runner starts measuring.  (With --ops, the flush, step and cycle counts
  // start where the first mutator ends its warm-up.)
  {
    ChunkMeter warm(g, &collector);
    if (c.counted) warm.set_valgrind(ValgrindCollect::kNone);
    run_blocks(warm, o.ops ? *o.ops / kWarmupDivisor : UINT64_MAX, [&] {
      return (!o.ops && measuring.load(std::memory_order_relaxed)) ||
             stopping();
    });
  }
  const workloads::Counts before = w->counts();
  const uint64_t pause0 = g->pause_ticks, assist0 = g->assist_ticks;
  out.start_cycles = collector.stats().Cycles();
  out.start_steps = collector.mark_steps();
  out.start_flushes = barriers::TotalFlushes();
  ChunkMeter meter(g, &collector);
  if (c.counted) {
    meter.set_valgrind(c.mode == gc::GcMode::kIncremental
                           ? ValgrindCollect::kBarrierOn
                           : ValgrindCollect::kEvery);
  }
  counters.Start();
  run_blocks(meter, o.ops.value_or(UINT64_MAX), stopping);
  counters.Stop();
  out.readings = counters.Read();
  out.counts = Minus(w->counts(), before);
  out.kept = meter.totals();
  out.blocks = meter.blocks();
  out.dropped_blocks = meter.dropped_blocks();
  out.mark_step_chunks = meter.mark_step_chunks();
  out.counted_chunks = meter.counted_chunks();
  out.counted_switches = meter.counted_switches();
  out.counted = meter.counted_stores();
  out.pause_ticks = g->pause_ticks - pause0;
  out.assist_ticks = g->assist_ticks - assist0;
  out.checksum = w->Checksum();
}

// Runs one repetition of `c` and returns its counters.
std::map<std::string, double> RunRepetition(const Options& o, const Config& c,
                                            const CounterSet& counter_set) {
  gc::GcConfig gcc = o.gc;
  gcc.mode = c.mode;
  if (c.counted && c.mode == gc::GcMode::kIncremental) {
    gcc.incremental_step_work = kCountedStepWork;
  }
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
                                  c.mode != gc::GcMode::kStw &&
                                  c.mode != gc::GcMode::kOff;
  gc::Collector collector(gcc, knobs);
  if (!c.counted) collector.Start();

  Latch ready(o.threads);
  Gate go;
  std::atomic<bool> measuring{false}, stop{false};
  std::vector<ThreadResult> results(o.threads);
  std::vector<std::thread> threads;
  if (c.counted) {
    // Counted under valgrind, the one mutator runs on this thread: a second
    // thread's steps would land at different points of its run from run to
    // run (valgrind runs one thread at a time, switching when the kernel
    // says), and the simulated caches and branch predictor are shared.
    MutatorMain(collector, o, c, counter_set, 0, ready, go, measuring, stop,
                results[0]);
  }
  for (int t = 0; t < o.threads && !c.counted; ++t) {
    threads.push_back(gc::StartThread("a mutator", [&, t] {
      MutatorMain(collector, o, c, counter_set, t, ready, go, measuring, stop,
                  results[t]);
    }));
  }
  // As Go's benchmark: start measuring from a collected heap.
  if (!c.counted) {
    ready.Wait();
    if (c.mode != gc::GcMode::kOff) collector.Collect();
    go.Open();
  }
  // The mutators warm up for a quarter of the repetition (or of --ops, which
  // they count themselves), then measure.
  if (!o.ops) {
    std::this_thread::sleep_for(
        absl::ToChronoNanoseconds(o.duration / kWarmupDivisor));
  }
  // Where measuring starts: here, or under --ops where the first mutator
  // ends its warm-up (it takes the snapshot itself; this thread touches
  // nothing the mutators use until they are done, so that under valgrind
  // its wake-ups cannot land between their chunks).
  size_t cycles_before = 0;
  uint64_t steps_before = 0, flushes_before = 0;
  if (!o.ops) {
    cycles_before = collector.stats().Cycles();
    steps_before = collector.mark_steps();
    flushes_before = barriers::TotalFlushes();
    measuring.store(true);
    std::this_thread::sleep_for(absl::ToChronoNanoseconds(o.duration));
    stop.store(true);
  }
  for (std::thread& t : threads) t.join();
  if (o.ops) {
    cycles_before = results[0].start_cycles;
    steps_before = results[0].start_steps;
    flushes_before = results[0].start_flushes;
  }
  const uint64_t flushes = barriers::TotalFlushes() - flushes_before;
  const uint64_t steps = collector.mark_steps() - steps_before;
  // Cycles that start after the mutators have gone (under --gc=continuous,
  // many quick ones over an empty heap) belong to no measured store; the one
  // in progress now, which Stop() finishes, does.
  const size_t cycles_after = collector.stats().Cycles() +
                              (collector.phase() != gc::GcPhase::kOff ? 1 : 0);
  collector.Stop();

  std::map<std::string, double> k;
  double stores = 0, barriered = 0, kept_stores = 0, ticks = 0, on_ticks = 0;
  double on_stores = 0, on_barriered = 0, pause = 0, assist = 0;
  double off_ticks = 0, off_stores = 0;
  double blocks = 0, dropped = 0, step_chunks = 0;
  double counted_chunks = 0, counted_switches = 0, counted_stores = 0;
  double counted_barriered = 0;
  // Hardware cycles and task-clock count only if every mutator has them
  // (the totals leave out a figure some thread lacks).
  CounterTotals totals;
  for (const ThreadResult& r : results) {
    stores += static_cast<double>(r.counts.stores);
    barriered += static_cast<double>(r.counts.barriered);
    kept_stores += static_cast<double>(r.kept.stores.stores);
    ticks += static_cast<double>(r.kept.ticks);
    on_ticks += static_cast<double>(r.kept.on_ticks);
    on_stores += static_cast<double>(r.kept.on_stores.stores);
    on_barriered += static_cast<double>(r.kept.on_stores.barriered);
    off_ticks += static_cast<double>(r.kept.off_ticks);
    off_stores += static_cast<double>(r.kept.off_stores.stores);
    pause += static_cast<double>(r.pause_ticks);
    assist += static_cast<double>(r.assist_ticks);
    blocks += static_cast<double>(r.blocks);
    dropped += static_cast<double>(r.dropped_blocks);
    step_chunks += static_cast<double>(r.mark_step_chunks);
    counted_chunks += static_cast<double>(r.counted_chunks);
    counted_switches += static_cast<double>(r.counted_switches);
    counted_stores += static_cast<double>(r.counted.stores);
    counted_barriered += static_cast<double>(r.counted.barriered);
    totals.Add(r.readings);
  }
  const CounterReadings summed = totals.Get();
  const std::optional<CounterReading> hw = summed.Get("cycles");
  const bool have_cycles = hw && hw->source == CounterSource::kHardwareCounter;
  const double cycles = hw ? hw->value : 0;
  const std::optional<CounterReading> tc = summed.Get(kTaskClockName);
  const bool have_task_clock = tc.has_value();
  const double task_clock = tc ? tc->value : 0;
  const double tsc_hz = TscHz();
  const double ns_per_tick = 1e9 / tsc_hz;
  k[kStores] = stores;
  k[kBarrieredStores] = barriered;
  if (kept_stores > 0) {
    const double ns = ticks * ns_per_tick / kept_stores;
    k[kNsPerStore] = ns;
    k[kTscTicksPerStore] = ticks / kept_stores;
    // Hardware cycles are read around the whole loop, which holds what the
    // chunks leave out, so they give the thread's cycles per running ns
    // (over its task-clock), applied to the chunks' own time; the estimate
    // converts the chunks' time at the calibrated core clock.
    if (have_cycles && have_task_clock && task_clock > 0) {
      k[kCyclesPerStore] = ns * cycles / task_clock;
    } else if (EstimatedCoreHz() > 0) {
      k[kCyclesPerStore] = ns * EstimatedCoreHz() / 1e9;
    }
  }
  if (stores > 0) {
    if (have_task_clock) k[kCpuNsPerStore] = task_clock / stores;
    k[kFlushesPer1000] = 1000.0 * static_cast<double>(flushes) / stores;
    k[kPauseNsPerStore] = pause * ns_per_tick / stores;
    k[kAssistNsPerStore] = assist * ns_per_tick / stores;
  }
  if (blocks > 0) {
    k[kBlocks] = blocks;
    k[kDroppedBlockFraction] = dropped / blocks;
  }
  if (ticks > 0) k[kBarrierOnFraction] = on_ticks / ticks;
  if (on_stores > 0 && on_barriered > 0) {
    k[kNsPerStoreBarrierOn] = on_ticks * ns_per_tick / on_stores;
    k[kBarrieredFractionOn] = on_barriered / on_stores;
  }
  if (off_stores > 0 && on_stores > 0) {
    k[kNsPerStoreBarrierOff] = off_ticks * ns_per_tick / off_stores;
  }
  k[kFlushes] = static_cast<double>(flushes);
  if (c.counted) {
    k[kCountedChunks] = counted_chunks;
    k[kCountedStores] = counted_stores;
    k[kCountedBarrieredStores] = counted_barriered;
    k[kCountedSwitches] = counted_switches;
  }
  if (c.barrier == barriers::BarrierKind::kCgocheck && stores > 0) {
    k[kCgocheckCheckedFraction] = barriered / stores;
  }
  if (c.mode == gc::GcMode::kIncremental) {
    k[kMarkSteps] = static_cast<double>(steps);
    k[kMarkStepChunks] = step_chunks;
  }
  std::vector<gc::CycleStats> history = collector.stats().History();
  double mark_ns = 0, max_pause_ns = 0, lost = 0, retries = 0;
  double unbalanced = 0;
  for (size_t i = 0; i < history.size(); ++i) {
    lost += static_cast<double>(history[i].lost_objects);
    unbalanced += history[i].verified && !history[i].accounting_ok ? 1 : 0;
    if (i < cycles_before || i >= cycles_after) continue;
    mark_ns += static_cast<double>(history[i].mark_wall_ns);
    retries += history[i].termination_retries;
    for (int64_t p : history[i].pauses_ns) {
      max_pause_ns = std::max(max_pause_ns, static_cast<double>(p));
    }
  }
  k[kGcCycles] = static_cast<double>(std::min(cycles_after, history.size()) -
                                     cycles_before);
  if (k[kGcCycles] > 0) k[kTerminationRetriesPerCycle] = retries / k[kGcCycles];
  k[kMarkMs] = mark_ns / 1e6;
  k[kMaxPauseUs] = max_pause_ns / 1e3;
  if (o.gc.verify) {
    k[kLostObjects] = lost;
    k[kAccountingErrors] = unbalanced;
  }
  return k;
}

// The legs of a barrier's row: the check leg (barrier code, collector
// stopping the world, so the barrier is never on), the incremental leg
// (own cost) and the concurrent leg (--gc=concurrent or continuous), as far
// as --gc and the barrier allow.  `none` is sound only without concurrent
// marking, so it gets the check leg (and, with --unsafe, the concurrent
// one).
std::vector<std::pair<Leg, gc::GcMode>> LegsFor(barriers::BarrierKind b,
                                                const Options& o) {
  const gc::GcMode m = o.gc.mode;
  const bool concurrent =
      m == gc::GcMode::kConcurrent || m == gc::GcMode::kContinuous;
  const bool none = b == barriers::BarrierKind::kNone;
  std::vector<std::pair<Leg, gc::GcMode>> legs;
  legs.push_back({Leg::kOff, m == gc::GcMode::kOff ? m : gc::GcMode::kStw});
  if ((concurrent || m == gc::GcMode::kIncremental) && (!none || o.unsafe)) {
    legs.push_back({Leg::kIncremental, gc::GcMode::kIncremental});
  }
  if (concurrent && (!none || o.unsafe)) legs.push_back({Leg::kConcurrent, m});
  return legs;
}

// Where a leg's counters go in its row's repetition: the row's last leg
// (the concurrent one where there is one) keeps the plain names, which is
// what the single-configuration figures (ns_per_store, flushes, GCs,
// barrier_ns_per_store) describe; the others are prefixed with the leg's
// name ("off_ns_per_store", "incremental_gc_cycles").
std::string LegPrefix(Leg leg, Leg main) {
  return leg == main ? "" : absl::StrCat(LegName(leg), "_");
}

// The decomposition (runner.h), for every repetition of `row`, against the
// baseline repetition with the same index.  Cycles convert the ns figures at
// the repetition's own cycles per ns (hardware or estimated).
void Decompose(const Row& baseline, Leg main, const std::vector<Leg>& legs,
               bool hardware, Row* row) {
  auto has = [&](Leg l) {
    return std::find(legs.begin(), legs.end(), l) != legs.end();
  };
  auto get = [&](const Repetition& rep, Leg l,
                 const char* key) -> std::optional<double> {
    if (!has(l)) return std::nullopt;
    auto it = rep.counters.find(LegPrefix(l, main) + key);
    if (it == rep.counters.end()) return std::nullopt;
    return it->second;
  };
  auto base_of = [&](const Repetition& rep) -> std::optional<double> {
    for (const Repetition& b : baseline.repetitions) {
      if (b.index == rep.index && b.counters.contains(kNsPerStore)) {
        return b.counters.at(kNsPerStore);
      }
    }
    return std::nullopt;
  };
  // The check of each repetition, and their median: own adds the median,
  // so that the repetitions' spread in own is the spread of its paired
  // part (the check's own spread is in its column).
  std::vector<double> checks;
  for (const Repetition& rep : row->repetitions) {
    auto off = get(rep, Leg::kOff, kNsPerStore);
    auto base = base_of(rep);
    if (off && base) checks.push_back(*off - *base);
  }
  std::optional<double> check_median;
  if (!checks.empty()) check_median = Summarize(checks).median;
  for (Repetition& rep : row->repetitions) {
    auto& k = rep.counters;
    const std::optional<double> base_ns = base_of(rep);
    // Cycles per ns: the estimated core clock, or the hardware counter's
    // ratio in the first leg that measured both.
    double cycles_per_ns = hardware ? 0 : EstimatedCoreHz() / 1e9;
    for (Leg l : legs) {
      auto c = get(rep, l, kCyclesPerStore);
      auto n = get(rep, l, kNsPerStore);
      if (hardware && c && n && *n > 0) {
        cycles_per_ns = *c / *n;
        break;
      }
    }
    auto put = [&](const char* ns_key, const char* cycles_key, double v) {
      k[ns_key] = v;
      if (cycles_per_ns > 0) k[cycles_key] = v * cycles_per_ns;
    };
    auto off = get(rep, Leg::kOff, kNsPerStore);
    auto inc_on = get(rep, Leg::kIncremental, kNsPerStoreBarrierOn);
    auto inc_off = get(rep, Leg::kIncremental, kNsPerStoreBarrierOff);
    auto inc_frac = get(rep, Leg::kIncremental, kBarrieredFractionOn);
    auto conc_on = get(rep, Leg::kConcurrent, kNsPerStoreBarrierOn);
    auto conc_frac = get(rep, Leg::kConcurrent, kBarrieredFractionOn);
    if (base_ns && off) {
      put(kCheckNsPerStore, kCheckCyclesPerStore, *off - *base_ns);
    }
    // on - baseline = (on - off, paired within the incremental leg's heap
    // and moment) + check: the first part, which holds the barrier's work,
    // escapes the machine's drift between repetitions.  Without the leg's
    // own barrier-off chunks: on - baseline.
    if (inc_on && inc_frac && *inc_frac > 0) {
      std::optional<double> on_minus_base;
      if (inc_off && check_median) {
        on_minus_base = *inc_on - *inc_off + *check_median;
      } else if (base_ns) {
        on_minus_base = *inc_on - *base_ns;
      }
      if (on_minus_base) {
        put(kOwnNsPerBarrieredStore, kOwnCyclesPerBarrieredStore,
            *on_minus_base / *inc_frac);
      }
    }
    if (inc_on && conc_on) {
      put(kInterferenceNsPerStore, kInterferenceCyclesPerStore,
          *conc_on - *inc_on);
    }
    // The single-configuration share of the concurrent leg, as before the
    // decomposition: own cost and interference together.
    if (base_ns && conc_on && conc_frac && *conc_frac > 0) {
      put(kBarrierNsPerStore, kBarrierCyclesPerStore,
          (*conc_on - *base_ns) / *conc_frac);
    }
  }
}

std::string GcModeName(gc::GcMode mode) {
  switch (mode) {
    case gc::GcMode::kConcurrent:
      return "concurrent";
    case gc::GcMode::kContinuous:
      return "continuous";
    case gc::GcMode::kIncremental:
      return "incremental";
    case gc::GcMode::kStw:
      return "stw";
    case gc::GcMode::kOff:
      return "off";
  }
  return "?";
}

}  // namespace

std::map<std::string, double> RunCountedConfiguration(
    const Options& o, workloads::WorkloadKind workload,
    barriers::BarrierKind barrier, CountedLeg leg) {
  const Config c{
      workload,
      barrier,
      leg == CountedLeg::kOn ? gc::GcMode::kIncremental : gc::GcMode::kStw,
      leg == CountedLeg::kOn    ? Leg::kIncremental
      : leg == CountedLeg::kOff ? Leg::kOff
                                : Leg::kBaseline,
      0,
      /*counted=*/true};
  return RunRepetition(o, c, CounterSet::Of({}));
}

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
  if (o.ops) m.ops = static_cast<double>(*o.ops);
  m.scale = o.scale;
  m.baseline =
      "own = (ns/store with the barrier on, gc=incremental - baseline) / "
      "barriered fraction; check = barrier code, gc=stw (barrier off) - "
      "baseline; interference = gc=" +
      GcModeName(o.gc.mode == gc::GcMode::kConcurrent
                     ? o.gc.mode
                     : gc::GcMode::kContinuous) +
      " - gc=incremental, barrier-on chunks; baseline = no barrier code, "
      "gc=stw; chunks are mutator time only (pauses, assists and descheduled "
      "blocks left out)";
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

  // Rows: each barrier of each workload, then the workload's baseline;
  // configs: every leg of every row, run once per round.
  std::vector<Row> rows;
  std::vector<std::vector<Leg>> row_legs;
  std::vector<size_t> baseline_of;  // row -> its workload's baseline row
  std::vector<Config> configs;
  for (workloads::WorkloadKind w : o.workloads) {
    const std::string wname(workloads::WorkloadName(w));
    const size_t first = rows.size();
    auto add_row = [&](const std::string& bname) {
      Row row;
      row.workload = wname;
      row.barrier = bname;
      row.name = absl::StrCat(wname, "/barrier=", bname);
      rows.push_back(std::move(row));
      row_legs.emplace_back();
      return rows.size() - 1;
    };
    for (barriers::BarrierKind b : o.barriers) {
      const size_t r = add_row(std::string(barriers::BarrierName(b)));
      for (const auto& [leg, mode] : LegsFor(b, o)) {
        configs.push_back({w, b, mode, leg, r});
        row_legs[r].push_back(leg);
      }
    }
    const size_t base = add_row(kBaselineName);
    configs.push_back({w, barriers::BarrierKind::kNone, gc::GcMode::kStw,
                       Leg::kBaseline, base});
    row_legs[base].push_back(Leg::kBaseline);
    for (size_t r = first; r < rows.size(); ++r) baseline_of.push_back(base);
  }

  std::string warmup_error;
  size_t warmup_row = SIZE_MAX;
  const CpuTimes cpu_before = ReadCpuTimes();
  // One warm-up repetition (code, page cache, calibrations); every
  // repetition after it starts from a fresh heap, so warming each
  // configuration separately would buy nothing.
  const int total = static_cast<int>(configs.size()) * o.repetitions + 1;
  int done = 0;
  for (int rep = -1; rep < o.repetitions && !interrupt_requested; ++rep) {
    const size_t n = rep < 0 ? 1 : configs.size();
    for (size_t i = 0; i < n && !interrupt_requested; ++i) {
      const Config& c = configs[i];
      Row& row = rows[c.row];
      if (progress) {
        progress(done, total,
                 absl::StrCat(row.name, " ", LegName(c.leg),
                              rep < 0 ? " warm-up"
                                      : absl::StrCat(" repetition ", rep + 1,
                                                     "/", o.repetitions)));
      }
      std::map<std::string, double> k = RunRepetition(o, c, *counter_set);
      ++done;
      if (rep < 0) {
        // The warm-up is not reported, but what its verifier found counts.
        if (o.gc.verify) {
          m.warmup_lost_objects = k[kLostObjects];
          m.warmup_accounting_errors = k[kAccountingErrors];
        }
        if (std::string v = VerifierVerdict(k); !v.empty()) {
          warmup_error = absl::StrCat("warm-up (", LegName(c.leg), "): ", v);
          warmup_row = c.row;
        }
        continue;
      }
      if (row.repetitions.empty() || row.repetitions.back().index != rep) {
        row.repetitions.push_back({rep, {}});
      }
      const std::string prefix = LegPrefix(c.leg, row_legs[c.row].back());
      for (const auto& [key, v] : k) {
        row.repetitions.back().counters[prefix + key] = v;
      }
    }
  }
  m.interrupted = interrupt_requested.load();
  m.steal_percent = StealPercent(cpu_before, ReadCpuTimes());

  for (size_t i = 0; i < rows.size(); ++i) {
    for (Leg l : row_legs[i]) rows[i].configs.push_back(LegName(l));
    if (row_legs[i].back() != Leg::kBaseline) {
      Decompose(rows[baseline_of[i]], row_legs[i].back(), row_legs[i],
                hw_cycles, &rows[i]);
    }
    // The verifier's verdicts, over every repetition and leg (the baseline's
    // too), and the warm-up's: any of them fails the row.
    std::map<std::string, double> verifier;
    for (const Repetition& r : rows[i].repetitions) {
      for (const auto& [key, v] : r.counters) {
        if (key.ends_with(kLostObjects)) verifier[kLostObjects] += v;
        if (key.ends_with(kAccountingErrors)) verifier[kAccountingErrors] += v;
      }
    }
    std::vector<std::string> errors;
    if (std::string v = VerifierVerdict(verifier); !v.empty()) {
      errors.push_back(v);
    }
    if (i == warmup_row && !warmup_error.empty())
      errors.push_back(warmup_error);
    if (!errors.empty()) rows[i].error = absl::StrJoin(errors, "; ");
    // Blocks and dropped blocks per leg (by key prefix), over repetitions.
    std::map<std::string, std::pair<double, double>> legs;
    for (const Repetition& r : rows[i].repetitions) {
      for (const auto& [key, v] : r.counters) {
        if (key.ends_with(kBlocks)) {
          const std::string prefix =
              key.substr(0, key.size() - std::strlen(kBlocks));
          auto f = r.counters.find(prefix + kDroppedBlockFraction);
          if (f != r.counters.end()) {
            legs[prefix].first += v;
            legs[prefix].second += v * f->second;
          }
        }
      }
    }
    for (const auto& [prefix, counts] : legs) {
      const auto& [blocks, dropped] = counts;
      m.blocks += blocks;
      m.dropped_blocks += dropped;
      if (blocks > 0 && dropped / blocks > kDroppedWarn) {
        std::string leg =
            prefix.empty() ? "" : prefix.substr(0, prefix.size() - 1);
        if (leg.empty()) leg = LegName(row_legs[i].back());
        m.too_many_dropped.push_back(
            absl::StrCat(rows[i].name, " (", leg, ")"));
      }
    }
  }
  report.rows = std::move(rows);
  return report;
}

}  // namespace harness
