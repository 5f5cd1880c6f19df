// File: gc/scheduler.h
//
// The collector's scheduler: which mutators (Gs) exist and what each is
// doing (running, parked, stopped at a safepoint), and stopping and
// starting the world.  Its functions are Collector members (gc/collector.h:
// Register, Unregister, Park, Unpark, SafepointSlow and the private
// *Locked steps), defined in gc/scheduler.cc, because they share one mutex,
// mu_, with the cycle and the mark workers: a pause waits for the workers
// to go idle, a G parks only after paying its owed stack scan, and a G
// that unregisters hands its gray work and statistics to the collector,
// each under the same lock.
//
// Locking.  mu_ guards the scheduler: the list of Gs, every G::status
// change, world_stopped_, the worker counters and the coordinator's flags.
// Stack scans of parked Gs happen under mu_ (so a G cannot unpark or be
// destroyed under the scanner); so does a G's own scan at a safepoint.
// Lock order: mu_ before the WorkQueue's lock; the queue's publish callback
// only notifies a condition variable, never locks mu_.  Waits use timeouts as
// well as notifications, so a notification sent without the lock (the
// publish callback) can delay a waiter by at most one poll interval.
//
// This header also holds what the collector's files (collector.cc,
// scheduler.cc, mark_workers.cc, incremental.cc) share: RuntimeSpan and
// Fatal.  Nothing outside gc/ includes it.
#ifndef WBBENCH_GC_SCHEDULER_H_
#define WBBENCH_GC_SCHEDULER_H_

#include <x86intrin.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "gc/gc_stats.h"
#include "gc/runtime.h"

namespace gc::internal {

// A broken invariant of the collector: says so on stderr and aborts.
[[noreturn]] inline void Fatal(const char* what) {
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

}  // namespace gc::internal

#endif  // WBBENCH_GC_SCHEDULER_H_
