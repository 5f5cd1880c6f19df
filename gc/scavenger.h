// File: gc/scavenger.h
//
// The background scavenger (Go 1.19's bgscavenge, runtime/mgcscavenge.go):
// a thread that returns free heap pages to the kernel so that the heap's
// resident memory tracks the heap goal, and that the allocator then faults
// back in when it reuses them.
//
// Pacing (Go's gcPaceScavenger, at every mark termination, world stopped):
//     goal = 1.1 * last_in_use * (heap_goal / last_heap_goal),
// page aligned, where last_in_use is the pages of in-use spans at that mark
// termination (Go's lastHeapInUse), heap_goal the next cycle's goal and
// last_heap_goal the ending cycle's (retainExtraPercent = 10).  With the
// retained heap (in use plus free pages not scavenged) at or within a page of
// the goal, there is no goal and the scavenger has nothing to do.
//
// Schedule (Go's scavenger.run and scavenger.sleep): woken when the sweep
// ends, the thread releases 64 KiB at a time, highest address first
// (PageHeap::Scavenge), until it has worked 1 ms, reached the goal or found
// no free retained page; then it sleeps so that it uses 1% of the CPU of all
// Ps (scavengePercent): worked * (100 / procs - 1), the fixed point Go's
// sleep controller steers to (its proportional-integral steps are left out).
// With nothing released it waits for the next wake.  A wake cuts a sleep
// short, as Go's does.
//
// Not modelled: the memory-limit goal (Go 1.19's GOMEMLIMIT; wbbench's heap
// limit is a hard stop, not a scavenging target) and huge-page management.
// The heap-growth scavenge, on the allocating thread, is PageHeap::Alloc's.
//
// --scavenge=off (GcConfig::scavenge false) creates no scavenger: free pages
// stay resident, the behaviour before this model.
#ifndef WBBENCH_GC_SCAVENGER_H_
#define WBBENCH_GC_SCAVENGER_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "gc/page_heap.h"

namespace gc {

// Go's gcPaceScavenger: the retained bytes to work down to, or
// PageHeap::kNoScavengeGoal when `retained` is already there.
uint64_t ScavengeGoal(uint64_t heap_goal, uint64_t last_heap_goal,
                      uint64_t last_in_use, uint64_t retained);

// How long the scavenger sleeps after working `worked_ns` with `procs` Ps.
int64_t ScavengeSleepNanos(int64_t worked_ns, int procs);

class Scavenger {
 public:
  Scavenger(PageHeap* heap, int procs);  // starts the thread, parked
  ~Scavenger();                          // stops it; the heap keeps no goal
  Scavenger(const Scavenger&) = delete;
  Scavenger& operator=(const Scavenger&) = delete;

  // At mark termination, world stopped, with the ending cycle's heap goal
  // and the next one's.
  void Pace(uint64_t last_heap_goal, uint64_t heap_goal);
  // After the sweep (Go's scavenger.wake).
  void Wake();

  // Time the thread spent releasing pages (ns).
  int64_t work_ns() const { return work_ns_.load(std::memory_order_relaxed); }

 private:
  void Run();
  // Go's scavenger.run: bytes released in at least 1 ms of work, unless the
  // goal or the free pages ran out first; *worked_ns is the time it took.
  uint64_t Work(int64_t* worked_ns);

  PageHeap* heap_;
  const int procs_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wake_ = false;
  bool stop_ = false;
  std::atomic<int64_t> work_ns_{0};
  std::thread thread_;
};

}  // namespace gc

#endif  // WBBENCH_GC_SCAVENGER_H_
