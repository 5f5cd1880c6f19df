// File: gc/collector.cc
//
// The cycle, the scheduler (stop-the-world, parking, safepoints), the mark
// workers and the coordinator; see collector.h for the algorithm.
//
// Locking.  mu_ guards the scheduler: the list of Gs, every G::status
// change, world_stopped_, the worker counters and the coordinator's flags.
// Stack scans of parked Gs happen under mu_ (so a G cannot unpark or be
// destroyed under the scanner); so does a G's own scan at a safepoint.
// Lock order: mu_ before the WorkQueue's lock; the queue's publish callback
// only notifies a condition variable, never locks mu_.  Waits use timeouts as
// well as notifications, so a notification sent without the lock (the
// publish callback) can delay a waiter by at most one poll interval.
#include "gc/collector.h"

#include <x86intrin.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "gc/globals.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/scan.h"
#include "gc/shade.h"
#include "gc/start_thread.h"
#include "gc/sweeper.h"

namespace gc {
namespace {

// Gray objects a worker scans between checks of the pause flag: ~64 KiB of
// 16-byte objects, a few tens of microseconds, which bounds how long a
// termination pause waits for the workers.
constexpr size_t kWorkerBatch = 4096;
// How often idle workers and the coordinator re-check for work or for the
// end of marking when no notification arrives (mutators' stack scans and
// barrier flushes publish work without waking anyone).
constexpr auto kIdlePoll = std::chrono::microseconds(200);
// A pause that waits this long for a mutator is almost certainly waiting
// for one that blocked without parking; the collector says so on stderr.
constexpr auto kStwWarnAfter = std::chrono::milliseconds(2000);
// How often the coordinator checks the pacer's trigger when idle.
constexpr auto kTriggerPoll = std::chrono::milliseconds(1);

std::atomic<bool (*)(size_t)> worker_interrupt{nullptr};

[[noreturn]] void Fatal(const char* what) {
  std::fprintf(stderr, "wbbench: collector: %s\n", what);
  std::abort();
}

// Times a span of runtime work done on `g`'s own thread into one of g's
// counters (G::pause_ticks, G::assist_ticks); a span inside another counts
// once, in the outer one.  A `blocking` span also counts the context
// switches it caused (G::wait_switches), so that the harness does not take
// a wait for descheduling.
class RuntimeSpan {
 public:
  RuntimeSpan(G* g, uint64_t G::*counter, bool blocking)
      : g_(g),
        counter_(counter),
        outer_(g != nullptr && g->runtime_depth++ == 0) {
    if (!outer_) return;
    switches0_ = blocking ? ThreadContextSwitches() : UINT64_MAX;
    t0_ = __rdtsc();
  }
  ~RuntimeSpan() {
    if (g_ == nullptr) return;
    --g_->runtime_depth;
    if (!outer_) return;
    g_->*counter_ += __rdtsc() - t0_;
    if (switches0_ != UINT64_MAX)
      g_->wait_switches += ThreadContextSwitches() - switches0_;
  }
  RuntimeSpan(const RuntimeSpan&) = delete;
  RuntimeSpan& operator=(const RuntimeSpan&) = delete;

 private:
  G* const g_;
  uint64_t G::*const counter_;
  const bool outer_;
  uint64_t switches0_ = UINT64_MAX;
  uint64_t t0_ = 0;
};

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
  switch (phase) {
    case GcPhase::kOff:
      return "off";
    case GcPhase::kMark:
      return "mark";
    case GcPhase::kMarkTermination:
      return "mark termination";
  }
  return "?";
}

struct Collector::Worker {
  int id = 0;
  GcWork gcw;
  std::thread thread;
};

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

// --- Scheduler -------------------------------------------------------------

void Collector::Register(G* g) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return !world_stopped_ || stopper_ == std::this_thread::get_id();
  });
  g->id = next_g_id_++;
  g->m->p->id = g->id;
  g->m->p->gcw.set_queue(&queue_);
  g->status.store(kGParked, std::memory_order_relaxed);
  // A new stack is empty: nothing to scan this cycle.
  g->scan_pending.store(false, std::memory_order_relaxed);
  g->stack_black.store(true, std::memory_order_relaxed);
  g->preempt.store(false, std::memory_order_relaxed);
  gs_.push_back(g);
}

void Collector::Unregister(G* g) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return !world_stopped_ || stopper_ == std::this_thread::get_id();
  });
  P* p = g->m->p;
  if (g->scan_pending.exchange(false, std::memory_order_relaxed)) {
    // Its roots die with it: dropping them unscanned is sound.
    stacks_pending_.fetch_sub(1, std::memory_order_release);
  }
  if (phase() != GcPhase::kOff) FlushWbBuf(p);
  ResetWbBuf(p);
  p->gcw.Dispose();
  retired_bytes_ += p->gcw.bytes_marked();
  retired_objects_ += p->gcw.objects_marked();
  p->gcw.ResetStats();
  live_.fetch_add(static_cast<uint64_t>(p->alloc_since_check),
                  std::memory_order_relaxed);
  p->alloc_since_check = 0;
  // The cache goes while the world cannot stop, so a pause never flushes
  // it half-destroyed.
  g->mutator->DestroyCache();
  gs_.erase(std::find(gs_.begin(), gs_.end(), g));
  cv_.notify_all();
  work_cv_.notify_all();
}

void Collector::Unpark(G* g) {
  RuntimeSpan span(g, &G::pause_ticks, /*blocking=*/true);
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return !world_stopped_ || stopper_ == std::this_thread::get_id();
  });
  g->status.store(kGRunning, std::memory_order_relaxed);
  g->preempt.store(g->scan_pending.load(std::memory_order_relaxed),
                   std::memory_order_relaxed);
}

void Collector::Park(G* g) {
  RuntimeSpan span(g, &G::pause_ticks, /*blocking=*/true);
  std::lock_guard<std::mutex> lock(mu_);
  // Parking is a safepoint: pay an owed stack scan now rather than leave it
  // to a worker (either is correct).
  if (g->scan_pending.load(std::memory_order_relaxed) &&
      phase() == GcPhase::kMark) {
    ScanStackLocked(g, g->m->p->gcw);
    g->m->p->gcw.Dispose();
  }
  g->status.store(kGParked, std::memory_order_relaxed);
  cv_.notify_all();
}

void Collector::SafepointSlow(G* g) {
  RuntimeSpan span(g, &G::pause_ticks, /*blocking=*/true);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (world_stopped_ && stopper_ != std::this_thread::get_id()) {
      g->status.store(kGStopped, std::memory_order_relaxed);
      cv_.notify_all();
      cv_.wait(lock, [&] { return !world_stopped_; });
      g->status.store(kGRunning, std::memory_order_relaxed);
      continue;
    }
    if (g->scan_pending.load(std::memory_order_relaxed) &&
        phase() == GcPhase::kMark) {
      // Go: a running goroutine scans its own stack when asked.
      ScanStackLocked(g, g->m->p->gcw);
      g->m->p->gcw.Dispose();
    }
    break;
  }
  g->preempt.store(false, std::memory_order_relaxed);
}

bool Collector::WorldStoppedExceptLocked(G* self) const {
  for (G* g : gs_) {
    if (g == self) continue;
    uint32_t s = g->status.load(std::memory_order_relaxed);
    if (s != kGParked && s != kGStopped) return false;
  }
  return true;
}

void Collector::StopTheWorldLocked(std::unique_lock<std::mutex>& lock) {
  if (world_stopped_) Fatal("world stopped twice");
  world_stopped_ = true;
  stopper_ = std::this_thread::get_id();
  G* self = tls_g;
  for (G* g : gs_) {
    if (g != self) g->preempt.store(true, std::memory_order_relaxed);
  }
  pause_workers_.store(true, std::memory_order_relaxed);
  if (!cv_.wait_for(lock, kStwWarnAfter,
                    [&] { return WorldStoppedExceptLocked(self); })) {
    // A mutator blocked outside managed code without parking (a missing
    // gc::ParkScope) stops the world forever: say which one.
    for (G* g : gs_) {
      if (g != self && g->status.load(std::memory_order_relaxed) == kGRunning) {
        std::fprintf(stderr,
                     "wbbench: stop-the-world has waited %lld ms for mutator "
                     "%d to reach a safepoint (blocked without "
                     "gc::ParkScope?)\n",
                     static_cast<long long>(kStwWarnAfter.count()), g->id);
      }
    }
    cv_.wait(lock, [&] { return WorldStoppedExceptLocked(self); });
  }
  work_cv_.wait(lock, [&] { return active_workers_ == 0; });
  // Every G is stopped, parked or the caller: account their allocation.
  for (G* g : gs_) {
    P* p = g->m->p;
    live_.fetch_add(static_cast<uint64_t>(p->alloc_since_check),
                    std::memory_order_relaxed);
    p->alloc_since_check = 0;
  }
}

void Collector::StartTheWorldLocked() {
  world_stopped_ = false;
  stopper_ = std::thread::id();
  for (G* g : gs_) {
    g->preempt.store(g->scan_pending.load(std::memory_order_relaxed),
                     std::memory_order_relaxed);
  }
  pause_workers_.store(phase() != GcPhase::kMark, std::memory_order_relaxed);
  cv_.notify_all();
  work_cv_.notify_all();
}

void Collector::ScanStackLocked(G* g, GcWork& gcw) {
  g->mutator->stack().ForEachSlot([&gcw](uintptr_t v) { GreyObject(gcw, v); });
  g->stack_black.store(true, std::memory_order_relaxed);
  if (g->scan_pending.exchange(false, std::memory_order_relaxed)) {
    stacks_pending_.fetch_sub(1, std::memory_order_release);
    work_cv_.notify_all();
  }
}

bool Collector::ScanParkedStacks(GcWork& gcw) {
  if (stacks_pending_.load(std::memory_order_acquire) == 0) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (phase() != GcPhase::kMark) return false;
  bool did = false;
  for (G* g : gs_) {
    if (g->status.load(std::memory_order_relaxed) == kGParked &&
        g->scan_pending.load(std::memory_order_relaxed)) {
      ScanStackLocked(g, gcw);
      did = true;
    }
  }
  return did;
}

bool Collector::HasParkedScanLocked() const {
  if (stacks_pending_.load(std::memory_order_acquire) == 0) return false;
  for (G* g : gs_) {
    if (g->status.load(std::memory_order_relaxed) == kGParked &&
        g->scan_pending.load(std::memory_order_relaxed)) {
      return true;
    }
  }
  return false;
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

void Collector::ResetWbBuf(P* p) {
  // Keep the capacity the barrier chose (cgocheck and one-pointer
  // algorithms reset the buffer to their own geometry).
  WbBuf& b = p->wb_buf;
  const size_t cap = static_cast<size_t>(b.end - b.buf);
  b.next = b.buf;
  b.end = b.buf + cap;
}

void Collector::FlushWbBuf(P* p) {
  WbBuf& b = p->wb_buf;
  ShadeBatch(p, b.buf, static_cast<size_t>(b.next - b.buf));
  ResetWbBuf(p);
}

// --- Marking ---------------------------------------------------------------

void Collector::SetWorkerInterruptForTesting(bool (*hook)(size_t held)) {
  worker_interrupt.store(hook, std::memory_order_relaxed);
}

bool Collector::WorkerStopRequested(const GcWork& gcw) const {
  if (pause_workers_.load(std::memory_order_relaxed)) return true;
  bool (*hook)(size_t) = worker_interrupt.load(std::memory_order_relaxed);
  return hook != nullptr && hook(gcw.LocalCount());
}

size_t Collector::Drain(GcWork& gcw, size_t max_objects, bool* stopped) {
  // Plain LIFO, as Go's gcDrain.  (A prefetching FIFO between the gray
  // stack and the scan, as in Boehm's marker, was 25-50% slower on
  // BM_MarkThroughput: it breaks the LIFO order's cache locality.)
  size_t n = 0;
  uintptr_t obj;
  while (n < max_objects && gcw.TryGet(&obj)) {
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
    work_cv_.wait_for(lock, kIdlePoll);
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
    current_.accounting_ok = r.accounting_ok();
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
  pacer_.Plan(marked);
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

// --- Threads ---------------------------------------------------------------

void Collector::OnPublish(void* self) {
  auto* c = static_cast<Collector*>(self);
  if (c->idle_waiters_.load(std::memory_order_relaxed) != 0) {
    c->work_cv_.notify_all();
  }
}

void Collector::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  // kIncremental runs on the mutators' threads (IncrementalStep).
  if (started_ || config_.mode == GcMode::kOff ||
      config_.mode == GcMode::kIncremental) {
    return;
  }
  started_ = true;
  stopping_ = false;
  threads_running_.store(true, std::memory_order_release);
  sweeper_ = std::make_unique<BackgroundSweeper>();
  for (int i = 0; i < config_.workers; ++i) {
    auto w = std::make_unique<Worker>();
    w->id = i;
    w->gcw.set_queue(&queue_);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) {
    w->thread =
        StartThread("a mark worker", [this, wp = w.get()] { WorkerLoop(wp); });
  }
  coordinator_ =
      StartThread("the collector's coordinator", [this] { CoordinatorLoop(); });
}

void Collector::Stop() {
  if (config_.mode == GcMode::kIncremental) {
    RunIncremental(/*another_cycle=*/false);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    stopping_ = true;
  }
  // The caller's mutator must not hold up the cycle being finished.
  G* self = tls_g;
  if (self != nullptr) Park(self);
  cv_.notify_all();
  trigger_cv_.notify_all();
  coordinator_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    workers_stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& w : workers_) w->thread.join();
  workers_.clear();
  sweeper_.reset();
  {
    std::lock_guard<std::mutex> lock(mu_);
    started_ = false;
    workers_stopping_ = false;
    threads_running_.store(false, std::memory_order_release);
  }
  if (self != nullptr) Unpark(self);
}

void Collector::Collect() {
  if (config_.mode == GcMode::kOff) return;  // --gc=off never collects
  if (config_.mode == GcMode::kIncremental) {
    // Finish the cycle the mutators' steps are running, then one more.
    RunIncremental(/*another_cycle=*/true);
    return;
  }
  bool threaded;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threaded = started_ && !stopping_;
  }
  if (!threaded) {
    RunCycle();
    return;
  }
  G* self = tls_g;
  if (self != nullptr) Park(self);
  {
    std::unique_lock<std::mutex> lock(mu_);
    // A cycle that starts after this point has number > cycle_; cycles end
    // in order, so wait for that many completions.
    const uint64_t target = cycle_.load(std::memory_order_acquire) + 1;
    cycle_requested_ = true;
    trigger_cv_.notify_all();
    cv_.wait(lock, [&] {
      return stopping_ || completed_.load(std::memory_order_acquire) >= target;
    });
  }
  if (self != nullptr) Unpark(self);
}

bool Collector::TriggeredLocked() const {
  if (cycle_requested_) return true;
  switch (config_.mode) {
    case GcMode::kContinuous:
      return true;
    case GcMode::kConcurrent:
    case GcMode::kStw:
      return !pacer_.Off() &&
             live_.load(std::memory_order_relaxed) >= pacer_.trigger();
    case GcMode::kIncremental:  // no coordinator: the mutators' steps
    case GcMode::kOff:
      return false;
  }
  return false;
}

void Collector::CoordinatorLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (!TriggeredLocked()) {
      trigger_cv_.wait_for(lock, kTriggerPoll);
      continue;
    }
    cycle_requested_ = false;
    lock.unlock();
    RunCycle();
    lock.lock();
  }
}

void Collector::WorkerLoop(Worker* w) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (workers_stopping_) break;
    const bool can_work = !pause_workers_.load(std::memory_order_relaxed) &&
                          phase() == GcPhase::kMark;
    if (!can_work) {
      // Between cycles or in a pause: both end under mu_ with a notify, so
      // sleep without polling (no CPU taken from the mutators).
      work_cv_.wait(lock);
      continue;
    }
    if (!queue_.HasFull() &&
        globals_job_.load(std::memory_order_relaxed) != 0 &&
        !HasParkedScanLocked()) {
      idle_waiters_.fetch_add(1, std::memory_order_relaxed);
      work_cv_.wait_for(lock, kIdlePoll);
      idle_waiters_.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    ++active_workers_;
    lock.unlock();
    const int64_t cpu0 = ThreadCpuNanos();
    bool stopped = false;
    for (;;) {
      bool did = ScanGlobalsJob(w->gcw);
      did |= ScanParkedStacks(w->gcw);
      did |= Drain(w->gcw, kWorkerBatch, &stopped) != 0;
      if (!did || stopped || pause_workers_.load(std::memory_order_relaxed)) {
        break;
      }
    }
    // An idle worker holds no gray objects (MarkDone relies on it).
    w->gcw.Dispose();
    mark_cpu_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
    lock.lock();
    --active_workers_;
    work_cv_.notify_all();
  }
}

// --- Incremental driver ----------------------------------------------------

void Collector::IncrementalStep(G* g) {
  std::unique_lock<std::mutex> step(step_mu_, std::try_to_lock);
  if (!step.owns_lock()) return;  // another mutator is stepping
  mark_steps_.fetch_add(1, std::memory_order_relaxed);
  const int64_t now = MonoNanos();
  // The mutator's time since its last step, which this step matches.
  const int64_t ran = g->step_end_ns == 0 ? 0 : now - g->step_end_ns;
  struct StepEnd {
    G* g;
    ~StepEnd() { g->step_end_ns = MonoNanos(); }
  } step_end{g};
  if (phase() == GcPhase::kOff) {
    StartCycle();
    Safepoint();  // the caller's own stack scan, now rather than in a chunk
    return;
  }
  if (phase() != GcPhase::kMark) return;
  P* p = g->m->p;
  GcWork& gcw = p->gcw;
  const int64_t cpu0 = ThreadCpuNanos();
  ScanGlobalsJob(gcw);
  ScanParkedStacks(gcw);
  // First the assist debt (work), then mark until the time is matched.
  const uint64_t debt =
      static_cast<uint64_t>(std::max<int64_t>(p->assist_debt, 0));
  p->assist_debt = 0;
  const int64_t deadline = now + std::min(ran, kIncrementalMaxStepNs);
  const uint64_t fixed_work = config_.incremental_step_work;
  const uint64_t work0 = gcw.scan_work();
  uintptr_t obj;
  bool more = true;
  for (size_t n = 1;; ++n) {
    const uint64_t work = gcw.scan_work() - work0;
    if (work >= debt &&
        (fixed_work != 0 ? work - debt >= fixed_work
                         : (n & (kIncrementalClockEvery - 1)) == 0 &&
                               MonoNanos() >= deadline)) {
      break;
    }
    if (!gcw.TryGet(&obj)) {
      more = false;
      break;
    }
    ScanObject(gcw, obj);
  }
  mark_cpu_ns_.fetch_add(ThreadCpuNanos() - cpu0, std::memory_order_relaxed);
  if (more) {
    gcw.Balance();  // let the other mutators' steps share the work
    return;
  }
  // No gray object reachable from here: if no stack scan is owed either,
  // try to terminate (the pause flushes every buffer and may find more).
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!MarkDoneLocked()) return;
  }
  if (StartTermination()) {
    FinishCycle();
    // The sweep too, here rather than lazily in the chunks that follow
    // (the other schedules sweep on a background thread).
    Heap::Get().FinishSweep();
  }
}

void Collector::FinishIncrementalCycleLocked() {
  if (phase() != GcPhase::kMark) return;
  for (;;) {
    WaitMarkDone();
    if (StartTermination()) break;
  }
  FinishCycle();
}

void Collector::RunIncremental(bool another_cycle) {
  // Parked first: a running mutator that waited for step_mu_ would hold up
  // the pause of the step that holds it.
  G* self = tls_g;
  if (self != nullptr) Park(self);
  {
    std::lock_guard<std::mutex> step(step_mu_);
    FinishIncrementalCycleLocked();
    if (another_cycle) RunCycle();
  }
  if (self != nullptr) Unpark(self);
}

uint64_t Collector::HeapLive() const {
  return live_.load(std::memory_order_relaxed);
}

}  // namespace gc
