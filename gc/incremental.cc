// File: gc/incremental.cc
//
// The kIncremental driver (gc/collector.h): a bounded mark step on the
// calling mutator's thread at Gosched(), which starts a cycle, pays the P's
// assist debt and marks for as long as the mutator ran (or a fixed amount
// of work), and finishes the cycle when it finds nothing left; and
// finishing the steps' cycle from Stop() and Collect().  Collector members;
// no header of its own (the step's constants are in gc/collector.h).
#include <algorithm>
#include <mutex>

#include "gc/collector.h"
#include "gc/heap.h"
#include "gc/mutator.h"
#include "gc/scan.h"

namespace gc {

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

}  // namespace gc
