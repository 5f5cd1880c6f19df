// File: harness/repetition.cc
//
// One repetition: the mutator threads, their warm-up and timed loop of
// blocks of chunks, and the counters the repetition reports.
#include "harness/repetition.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "barriers/barrier_config.h"
#include "barriers/barrier_jit.h"
#include "barriers/wb_buf_flush.h"
#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/start_thread.h"
#include "harness/chunk_meter.h"
#include "harness/clock.h"
#include "harness/report.h"
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
// Each repetition first runs untimed for a quarter of its length: on
// tree-reverse the first few cycles of a fresh heap cost up to 30% more per
// store than the rest (the collector's work buffers grow, caches fill).
constexpr int kWarmupDivisor = 4;

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
  gc::ShadeTally tally;  // what shading found for this P (--redundancy)
  // The collector's counts when this thread started measuring (under
  // --ops, where the thread itself ends its warm-up).
  size_t start_cycles = 0;
  uint64_t start_steps = 0;
  barriers::FlushTotals start_flushes;
  uint64_t filtered = 0;  // over the measured window, as counts
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

void MutatorMain(gc::Collector& collector, const Options& o,
                 const RepetitionConfig& c, const CounterSet& counter_set,
                 int thread, Latch& ready, Gate& go,
                 const std::atomic<bool>& measuring,
                 const std::atomic<bool>& stop, ThreadResult& out) {
  gc::MutatorScope scope(collector);
  workloads::Params params{o.seed + static_cast<uint64_t>(thread), o.scale};
  auto w = workloads::MakeWorkload(c.workload, c.barrier,
                                   AlgorithmFor(o, c.barrier), params);
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
  const gc::ShadeTally tally0 = scope.mutator().p()->shade_tally;
  const uint64_t pause0 = g->pause_ticks, assist0 = g->assist_ticks;
  out.start_cycles = collector.stats().Cycles();
  out.start_steps = collector.mark_steps();
  out.start_flushes = barriers::SumFlushCounters();
  const uint64_t filtered0 = barriers::FilteredStoresOnThisThread();
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
  out.filtered = barriers::FilteredStoresOnThisThread() - filtered0;
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
  out.tally = scope.mutator().p()->shade_tally - tally0;
}

}  // namespace

std::map<std::string, double> RunRepetition(const Options& o,
                                            const RepetitionConfig& c,
                                            const CounterSet& counter_set) {
  gc::GcConfig gcc = o.gc;
  gcc.mode = c.mode;
  if (c.counted && c.mode == gc::GcMode::kIncremental) {
    gcc.incremental_step_work = kCountedStepWork;
  }
  barriers::BarrierConfig bc;
  bc.kind = c.barrier;
  bc.algorithm = AlgorithmFor(o, c.barrier);  // and its stack-scan policy
  bc.filter = o.filter;
  bc.wbbuf_entries = o.gc.wbbuf_entries;
  bc.cgocheck = o.cgocheck;
  if (absl::Status s = barriers::InstallBarrier(bc); !s.ok()) std::abort();
  barriers::ApplyToGcConfig(bc, &gcc);
  gc::Heap::Init(gcc);
  gc::UnsafeKnobs knobs;
  knobs.barrier_off_during_mark = !barriers::TraitsOf(c.barrier).sound &&
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
  uint64_t steps_before = 0;
  barriers::FlushTotals flushes_before;
  if (!o.ops) {
    cycles_before = collector.stats().Cycles();
    steps_before = collector.mark_steps();
    flushes_before = barriers::SumFlushCounters();
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
  const barriers::FlushTotals flush_totals =
      barriers::SumFlushCounters() - flushes_before;
  const uint64_t flushes = flush_totals.flushes;
  const uint64_t steps = collector.mark_steps() - steps_before;
  // Cycles that start after the mutators have gone (under --gc=continuous,
  // many quick ones over an empty heap) belong to no measured store; the one
  // in progress now, which Stop() finishes, does.
  const size_t cycles_after = collector.stats().Cycles() +
                              (collector.phase() != gc::GcPhase::kOff ? 1 : 0);
  collector.Stop();

  std::map<std::string, double> k;
  if (collector.scavenging()) {
    k[kScavengedMib] =
        static_cast<double>(
            gc::Heap::Get().page_heap().scavenged_bytes_total()) /
        (1 << 20);
  }
  double stores = 0, barriered = 0, kept_stores = 0, ticks = 0, on_ticks = 0;
  double on_stores = 0, on_barriered = 0, pause = 0, assist = 0;
  double off_ticks = 0, off_stores = 0;
  double blocks = 0, dropped = 0, step_chunks = 0;
  double counted_chunks = 0, counted_switches = 0, counted_stores = 0;
  double counted_barriered = 0, filtered = 0;
  gc::ShadeTally tally;
  // Hardware cycles and task-clock count only if every mutator has them
  // (the totals leave out a figure some thread lacks).
  CounterTotals totals;
  for (const ThreadResult& r : results) {
    stores += static_cast<double>(r.counts.stores);
    barriered += static_cast<double>(r.counts.barriered);
    filtered += static_cast<double>(r.filtered);
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
    tally += r.tally;
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
  if (flush_totals.shaded_words > 0) {
    k[kFlushNsPerPointer] = static_cast<double>(flush_totals.shade_ticks) *
                            ns_per_tick /
                            static_cast<double>(flush_totals.shaded_words);
  }
  // Only where the code has a filter: a kind without one filters nothing,
  // which is not a measured 0.
  if (barriers::FindJitBarrier(c.barrier, bc.algorithm, o.filter) != nullptr &&
      barriers::EffectiveFilter(c.barrier, o.filter) !=
          barriers::Filter::kNone) {
    k[kFilteredStores] = filtered;
    if (barriered > 0) k[kFilteredFraction] = filtered / barriered;
  }
  if (c.counted) {
    k[kCountedChunks] = counted_chunks;
    k[kCountedStores] = counted_stores;
    k[kCountedBarrieredStores] = counted_barriered;
    k[kCountedSwitches] = counted_switches;
  }
  // A card-marking kind shades nothing at the store (its card is its
  // record): the share of its stores that shading found redundant says
  // nothing about it.
  if (gcc.tally_shading && barriered > 0 &&
      !barriers::TraitsOf(c.barrier).cards) {
    k[kShadedEntries] = static_cast<double>(tally.entries);
    k[kRedundantStoreFraction] =
        1 - static_cast<double>(tally.effective_entries) / barriered;
    const uint64_t heap_words =
        tally.words - tally.nil_words - tally.non_heap_words;
    if (heap_words > 0) {
      k[kAlreadyMarkedFraction] =
          static_cast<double>(tally.marked_words) / heap_words;
    }
    if (tally.words > 0) {
      k[kNilRecordedFraction] =
          static_cast<double>(tally.nil_words) / tally.words;
    }
  }
  if (barriers::TraitsOf(c.barrier).checks_slots && stores > 0) {
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
  if (barriers::TraitsOf(c.barrier).cards && k[kGcCycles] > 0) {
    // The measured cycles' card rescans, and their remark pauses (the last
    // termination pause of a cycle, which holds the remark).
    double precleaned = 0, remarked = 0, remark_max_ns = 0, remark_ns = 0;
    double remarks = 0;
    for (size_t i = cycles_before; i < std::min(cycles_after, history.size());
         ++i) {
      const gc::CycleStats& s = history[i];
      if (!s.cards || s.pauses_ns.empty()) continue;
      precleaned += static_cast<double>(s.cards_precleaned);
      remarked += static_cast<double>(s.cards_remarked);
      const double pause = static_cast<double>(s.pauses_ns.back());
      remark_max_ns = std::max(remark_max_ns, pause);
      remark_ns += pause;
      ++remarks;
    }
    if (remarks > 0) {
      k[kCardsPrecleanedPerCycle] = precleaned / remarks;
      k[kCardsRemarkedPerCycle] = remarked / remarks;
      k[kRemarkPauseUs] = remark_ns / remarks / 1e3;
      k[kMaxRemarkPauseUs] = remark_max_ns / 1e3;
    }
  }
  if (o.gc.verify) {
    k[kLostObjects] = lost;
    k[kAccountingErrors] = unbalanced;
  }
  return k;
}

std::map<std::string, double> RunCountedConfiguration(
    const Options& o, workloads::WorkloadKind workload,
    barriers::BarrierKind barrier, CountedLeg leg) {
  const RepetitionConfig c{
      workload, barrier,
      leg == CountedLeg::kOn ? gc::GcMode::kIncremental : gc::GcMode::kStw,
      /*counted=*/true};
  return RunRepetition(o, c, CounterSet::Of({}));
}

}  // namespace harness
