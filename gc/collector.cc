// File: gc/collector.cc
//
// The cycle: its start pause, marking (on the controlling thread, in
// assists and in the workers' drains), mark termination with its retries,
// the checkmark, and the statistics; see collector.h for the algorithm.
// The scheduler (mutators, parking, safepoints, stopping the world) is
// gc/scheduler.cc, the coordinator and mark workers gc/mark_workers.cc,
// the kIncremental steps gc/incremental.cc.  Locking: gc/scheduler.h.
#include "gc/collector.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "gc/card_table.h"
#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mark_workers.h"
#include "gc/mutator.h"
#include "gc/scan.h"
#include "gc/scavenger.h"
#include "gc/scheduler.h"
#include "gc/shade.h"
#include "gc/sweeper.h"

namespace gc {
namespace {

using internal::Fatal;
using internal::RuntimeSpan;

bool AllowedTransition(GcPhase from, GcPhase to) {
  switch (from) {
    case GcPhase::kOff:
      return to == GcPhase::kMark;
    case GcPhase::kMark:
      return to == GcPhase::kMarkTermination;
    case GcPhase::kMarkTermination:
      return to == GcPhase::kOff;
  }
  return false;
}

}  // namespace

const char* GcPhaseName(GcPhase phase) {
  static constexpr const char* kNames[] = {
#define WBBENCH_GC_PHASE_NAME(e, name, doc) name,
      WBBENCH_FOR_EACH_GC_PHASE(WBBENCH_GC_PHASE_NAME)
#undef WBBENCH_GC_PHASE_NAME
  };
  return kNames[static_cast<size_t>(phase)];
}

Collector::Collector(const GcConfig& config, UnsafeKnobs knobs)
    : config_(config),
      knobs_(knobs),
      per_mutator_scan_(config.mode != GcMode::kStw &&
                        config.stack_scan != StackScanPolicy::kStwAtStart),
      created_ns_(MonoNanos()),
      pacer_(config.gogc) {
  if (config.wbbuf_entries == 0 || config.wbbuf_entries > kWbBufMaxEntries) {
    Fatal("wbbuf_entries out of range");
  }
  queue_.set_on_publish(&Collector::OnPublish, this);
  driver_gcw_.set_queue(&queue_);
  live_.store(Heap::Get().live_bytes(), std::memory_order_relaxed);
  // cgocheck checks every store, marking or not (no mutator runs yet).
  if (config.barrier_always_on) {
    write_barrier_enabled.store(1, std::memory_order_relaxed);
  }
}

Collector::~Collector() {
  Stop();
  std::lock_guard<std::mutex> lock(mu_);
  if (!gs_.empty()) Fatal("destroyed with mutators still registered");
  // A test that abandons a cycle must not leave the barrier on.
  write_barrier_enabled.store(0, std::memory_order_relaxed);
}

bool Collector::ScanGlobalsJob(GcWork& gcw) {
  int expected = 0;
  if (globals_job_.load(std::memory_order_relaxed) != 0 ||
      !globals_job_.compare_exchange_strong(expected, 1,
                                            std::memory_order_acq_rel)) {
    return false;
  }
  Globals::Get().ForEachSlot([&gcw](uintptr_t v) { GreyObject(gcw, v); });
  globals_job_.store(2, std::memory_order_release);
  return true;
}

void Collector::SetPhase(GcPhase next) {
  GcPhase cur = phase();
  if (!AllowedTransition(cur, next)) {
    std::fprintf(stderr, "wbbench: collector: bad phase change %s -> %s\n",
                 GcPhaseName(cur), GcPhaseName(next));
    std::abort();
  }
  phase_.store(next, std::memory_order_release);
}

void Collector::FlushWbBuf(P* p) {
  WbBuf& b = p->wb_buf;
  ShadeBatch(p, b.buf, static_cast<size_t>(b.next - b.buf), b.entry_words);
  b.Reset();
}

// --- Marking ---------------------------------------------------------------

size_t Collector::Drain(GcWork& gcw, size_t max_objects, bool* stopped) {
  // Plain LIFO, as Go's gcDrain.  (A prefetching FIFO between the gray
  // stack and the scan, as in Boehm's marker, was 25-50% slower on
  // BM_MarkThroughput: it breaks the LIFO order's cache locality.)
  size_t n = 0;
  uintptr_t obj;
  while (n < max_objects && gcw.TryGet(&obj)) {
    // Go's gcDrain balances whenever the global list is empty, so that an
    // idle worker finds work at once; here only where another marker may
    // want it (several workers, or one waiting): a lone marker would hand
    // half its buffer to itself and take it back each time it ran dry.
    if (config_.workers > 1 ||
        idle_waiters_.load(std::memory_order_relaxed) != 0) {
      gcw.Handoff();
    }
    ScanObject(gcw, obj);
    ++n;
    if (stopped != nullptr && (n & 255) == 0 && WorkerStopRequested(gcw)) {
      *stopped = true;
      break;
    }
  }
  return n;
}

bool Collector::MarkSome(size_t max_objects) {
  if (phase() != GcPhase::kMark && phase() != GcPhase::kMarkTermination) {
    return false;
  }
  const int64_t cpu0 = ThreadCpuNanos();
  bool did = ScanGlobalsJob(driver_gcw_);
  did |= ScanParkedStacks(driver_gcw_);
  did |= Drain(driver_gcw_, max_objects, nullptr) != 0;
  mark_cpu_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
  return did;
}

void Collector::DrainAll() {
  while (MarkSome(std::numeric_limits<size_t>::max())) {
  }
}

bool Collector::MarkDoneLocked() const {
  return active_workers_ == 0 && !queue_.HasFull() &&
         driver_gcw_.LocalEmpty() &&
         globals_job_.load(std::memory_order_acquire) == 2 &&
         stacks_pending_.load(std::memory_order_acquire) == 0;
}

void Collector::WaitMarkDone() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (workers_.empty()) {
      lock.unlock();
      bool did = MarkSome(kWorkerBatch);
      lock.lock();
      if (did) continue;
    }
    if (MarkDoneLocked()) return;
    // With no workers this thread marks, and work published without a
    // notification is found only by polling: poll as an idle worker does.
    work_cv_.wait_for(lock, workers_.empty() ? kIdlePoll : kMarkDonePoll);
  }
}

void Collector::DrainInPause() {
  // World stopped, workers paused: this thread finishes the mark alone.
  const int64_t cpu0 = ThreadCpuNanos();
  ScanGlobalsJob(driver_gcw_);
  Drain(driver_gcw_, std::numeric_limits<size_t>::max(), nullptr);
  mark_cpu_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
}

void Collector::Assist(P* p) {
  RuntimeSpan span(tls_g, &G::assist_ticks, /*blocking=*/false);
  const int64_t cpu0 = ThreadCpuNanos();
  GcWork& gcw = p->gcw;
  ScanGlobalsJob(gcw);
  const uint64_t work0 = gcw.scan_work();
  uintptr_t obj;
  while (gcw.scan_work() - work0 < static_cast<uint64_t>(p->assist_debt) &&
         gcw.TryGet(&obj)) {
    ScanObject(gcw, obj);
  }
  // Whatever was not paid is covered by the dedicated workers (Go lets an
  // assist steal their background credit).
  p->assist_debt = 0;
  gcw.Balance();
  assist_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
}

void Collector::OnAllocate(P* p, int64_t bytes) {
  live_.fetch_add(static_cast<uint64_t>(bytes), std::memory_order_relaxed);
  G* g = tls_g;
  Safepoint();
  const GcPhase ph = phase();
  if (ph == GcPhase::kMark) {
    p->assist_debt += static_cast<int64_t>(static_cast<double>(bytes) *
                                           pacer_.assist_ratio());
    // The incremental schedule pays the debt at the P's next step.
    if (config_.mode != GcMode::kIncremental) Assist(p);
  }
  if (!threads_running_.load(std::memory_order_acquire) || pacer_.Off()) {
    return;
  }
  // Re-read after the safepoint: a cycle may have ended meanwhile.
  const uint64_t live = live_.load(std::memory_order_relaxed);
  if (ph == GcPhase::kOff && live >= pacer_.trigger()) {
    trigger_cv_.notify_one();
  }
  if (live >= pacer_.hard_goal()) {
    // Past the hard goal: wait, parked, until a cycle ends (the one in
    // progress or the one the trigger is about to start).
    const uint64_t target = completed_.load(std::memory_order_acquire) + 1;
    RuntimeSpan span(g, &G::pause_ticks, /*blocking=*/true);
    Park(g);
    {
      std::unique_lock<std::mutex> lock(mu_);
      trigger_cv_.notify_one();
      cv_.wait(lock, [&] {
        return stopping_ ||
               completed_.load(std::memory_order_acquire) >= target ||
               live_.load(std::memory_order_relaxed) < pacer_.hard_goal();
      });
    }
    Unpark(g);
    Safepoint();
  }
}

// --- The cycle -------------------------------------------------------------

void Collector::StartCycle() {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase() != GcPhase::kOff) Fatal("StartCycle while a cycle is running");
  const int64_t t0 = MonoNanos();
  StopTheWorldLocked(lock);
  const bool stw = config_.mode == GcMode::kStw;

  current_ = CycleStats{};
  current_.cycle = cycle_.fetch_add(1, std::memory_order_acq_rel) + 1;
  current_.start_time_ns = t0 - created_ns_;
  current_.workers = static_cast<int>(workers_.size());
  current_.stw = stw;
  // Finish the last sweep; allocation turns black.
  Heap::Get().StartMark();
  current_.heap_live_start = live_.load(std::memory_order_relaxed);
  pacer_.StartCycle(current_.heap_live_start);
  current_.heap_goal = pacer_.goal();

  globals_job_.store(0, std::memory_order_relaxed);
  if (config_.cards && !stw) {
    // Cards dirtied before this mark belong to no rescan of it.
    ClearCards();
    current_.cards = true;
    preclean_done_.store(false, std::memory_order_relaxed);
  }
  int pending = 0;
  for (G* g : gs_) {
    g->stack_black.store(false, std::memory_order_relaxed);
    g->scan_pending.store(per_mutator_scan_, std::memory_order_relaxed);
    g->m->p->assist_debt = 0;
    if (per_mutator_scan_) ++pending;
  }
  stacks_pending_.store(pending, std::memory_order_release);
  SetPhase(GcPhase::kMark);
  if (!stw && !knobs_.barrier_off_during_mark) {
    write_barrier_enabled.store(1, std::memory_order_relaxed);
  }
  if (!per_mutator_scan_) {
    // Yuasa's snapshot (and kStw): every stack now, world stopped.
    for (G* g : gs_) ScanStackLocked(g, driver_gcw_);
  }
  if (stw) {
    lock.unlock();
    DrainInPause();
    return;  // world stays stopped until FinishCycle
  }
  // With nobody to drain it here, the stacks' gray objects go to the queue.
  if (!workers_.empty() || config_.mode == GcMode::kIncremental) {
    driver_gcw_.Dispose();
  }
  const int64_t t1 = MonoNanos();
  current_.start_pause_ns = t1 - t0;
  current_.pauses_ns.push_back(t1 - t0);
  mark_started_ns_ = t1;
  StartTheWorldLocked();
}

bool Collector::StartTermination() {
  std::unique_lock<std::mutex> lock(mu_);
  if (phase() != GcPhase::kMark) Fatal("StartTermination outside marking");
  if (config_.cards && config_.mode != GcMode::kStw && !precleaned() &&
      Preclean() != 0) {
    return false;  // the marker has the pass's grey objects
  }
  const int64_t t0 = MonoNanos();
  if (!world_stopped_) StopTheWorldLocked(lock);
  pause_t0_ = t0;
  // Go's gcMarkDone: flush every P's write-barrier buffer and gray buffer.
  for (G* g : gs_) {
    P* p = g->m->p;
    FlushWbBuf(p);
    p->gcw.Dispose();
  }
  const bool stw = config_.mode == GcMode::kStw;
  const bool work = queue_.HasFull() || !driver_gcw_.LocalEmpty();
  if (work && !stw && current_.termination_retries < kMaxTerminationRetries) {
    // The flush found gray objects: back to concurrent marking.
    ++current_.termination_retries;
    const int64_t t1 = MonoNanos();
    current_.pauses_ns.push_back(t1 - t0);
    current_.termination_pause_ns += t1 - t0;
    StartTheWorldLocked();
    return false;
  }
  // Stacks a test left unscanned (manual driving) are scanned in the pause.
  for (G* g : gs_) {
    if (g->scan_pending.load(std::memory_order_relaxed)) {
      ScanStackLocked(g, driver_gcw_);
    }
  }
  if (config_.stack_scan == StackScanPolicy::kRescanAtTermination && !stw) {
    // Dijkstra: stacks had no barrier, so rescan them all now.
    for (G* g : gs_) ScanStackLocked(g, driver_gcw_);
  }
  if (config_.cards && !stw) RemarkCardsLocked();
  lock.unlock();
  DrainInPause();
  lock.lock();
  SetPhase(GcPhase::kMarkTermination);
  return true;
}

void Collector::CollectTotals(CycleStats& s) {
  uint64_t bytes = retired_bytes_, objects = retired_objects_;
  retired_bytes_ = retired_objects_ = 0;
  auto take = [&](GcWork& w) {
    bytes += w.bytes_marked();
    objects += w.objects_marked();
    w.ResetStats();
  };
  for (G* g : gs_) take(g->m->p->gcw);
  for (auto& w : workers_) take(w->gcw);
  take(driver_gcw_);
  s.bytes_marked = bytes;
  s.objects_marked = objects;
}

std::vector<uintptr_t> Collector::RootsLocked() {
  std::vector<uintptr_t> roots;
  Globals::Get().ForEachSlot([&](uintptr_t v) { roots.push_back(v); });
  for (G* g : gs_) {
    g->mutator->stack().ForEachSlot([&](uintptr_t v) { roots.push_back(v); });
  }
  return roots;
}

CheckmarkResult Collector::VerifyNow() {
  // World stopped (StartTermination returned true): flush the caches so the
  // heap's allocated-black count is complete, then trace.
  if (phase() != GcPhase::kMarkTermination) Fatal("VerifyNow outside a pause");
  for (G* g : gs_) g->m->p->mcache->ReleaseAll();
  uint64_t shaded = retired_bytes_ + repaired_bytes_;
  for (G* g : gs_) shaded += g->m->p->gcw.bytes_marked();
  for (auto& w : workers_) shaded += w->gcw.bytes_marked();
  shaded += driver_gcw_.bytes_marked();
  CheckmarkResult r =
      Checkmark(RootsLocked(), shaded, Heap::Get().allocated_black_bytes());
  r.cycle = current_.cycle;
  repaired_bytes_ += r.lost_bytes;
  std::lock_guard<std::mutex> lock(result_mu_);
  last_checkmark_ = r;
  return r;
}

CheckmarkResult Collector::last_checkmark() const {
  std::lock_guard<std::mutex> lock(result_mu_);
  return last_checkmark_;
}

void Collector::FinishCycle() {
  if (phase() != GcPhase::kMarkTermination) {
    Fatal("FinishCycle before StartTermination succeeded");
  }
  if (config_.verify) {
    CheckmarkResult r = VerifyNow();
    current_.verified = true;
    current_.lost_objects = r.lost_objects;
    // A pointer to a freed object fails the cycle's verdict as a mismatch
    // does: it is counted in the run's accounting errors.
    current_.accounting_ok = r.accounting_ok() && r.dangling_pointers == 0;
    if (!r.ok() || config_.gctrace) {
      std::fprintf(stderr, "%s\n", r.ToString().c_str());
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  const bool stw = config_.mode == GcMode::kStw;
  write_barrier_enabled.store(config_.barrier_always_on ? 1 : 0,
                              std::memory_order_relaxed);
  CollectTotals(current_);
  current_.heap_live_end = live_.load(std::memory_order_relaxed);
  repaired_bytes_ = 0;
  // Allocate white again; flush the caches; start the sweep.
  Heap::Get().StartSweep();
  const uint64_t black = Heap::Get().allocated_black_bytes();
  const uint64_t marked = current_.bytes_marked + black;
  // Go resets heapLive to the marked heap at termination: what was not
  // marked is garbage the sweep is about to free.
  live_.store(marked, std::memory_order_relaxed);
  const uint64_t last_goal = pacer_.goal();
  pacer_.Plan(marked);
  if (scavenger_ != nullptr) scavenger_->Pace(last_goal, pacer_.goal());
  SetPhase(GcPhase::kOff);

  const int64_t t1 = MonoNanos();
  if (stw) {
    current_.pauses_ns.push_back(t1 - current_.start_time_ns - created_ns_);
    current_.start_pause_ns = current_.pauses_ns.back();
  } else {
    current_.mark_wall_ns = pause_t0_ - mark_started_ns_;
    current_.pauses_ns.push_back(t1 - pause_t0_);
    current_.termination_pause_ns += t1 - pause_t0_;
  }
  current_.mark_cpu_ns = mark_cpu_ns_.exchange(0, std::memory_order_relaxed);
  current_.assist_cpu_ns = assist_ns_.exchange(0, std::memory_order_relaxed);
  if (config_.gctrace) {
    std::fprintf(stderr, "%s\n", GcTraceLine(current_).c_str());
  }
  stats_.Add(current_);
  completed_.fetch_add(1, std::memory_order_acq_rel);
  StartTheWorldLocked();
  lock.unlock();
  if (sweeper_ != nullptr) sweeper_->Wake();
}

void Collector::RunCycle() {
  StartCycle();
  // The caller's own mutator, if any, pays its stack scan here: it is
  // running, so no worker may scan it, and it polls no safepoint meanwhile.
  if (tls_g != nullptr && tls_g->mutator->collector_ptr() == this) Safepoint();
  if (config_.mode != GcMode::kStw) {
    for (;;) {
      WaitMarkDone();
      if (StartTermination()) break;
    }
  } else {
    StartTermination();
  }
  FinishCycle();
}

uint64_t Collector::HeapLive() const {
  return live_.load(std::memory_order_relaxed);
}

}  // namespace gc
