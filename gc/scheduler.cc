// File: gc/scheduler.cc
//
// The scheduler (gc/scheduler.h): registering and unregistering mutators,
// parking, safepoints, stopping and starting the world, and the stack scans
// that happen under its lock (a G's own at a safepoint or when it parks,
// parked Gs' by whoever marks).
#include "gc/scheduler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <thread>

#include "gc/collector.h"
#include "gc/mutator.h"
#include "gc/scan.h"

namespace gc {
namespace {

using internal::Fatal;
using internal::RuntimeSpan;

// A pause that waits this long for a mutator is almost certainly waiting
// for one that blocked without parking; the collector says so on stderr.
constexpr auto kStwWarnAfter = std::chrono::milliseconds(2000);

}  // namespace

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
  p->wb_buf.Reset();
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

}  // namespace gc
