// File: gc/mark_workers.h
//
// The threaded driver's threads (gc/collector.h, "Two drivers"): the
// coordinator, which runs a cycle when the pacer's trigger (or Collect(),
// or kContinuous) says so, and config.workers dedicated mark workers, which
// run root jobs, scan parked mutators' stacks and drain gray objects
// whenever the phase is kMark and no pause holds them.  Collector::Start
// launches them, Stop joins them (gc/mark_workers.cc).  A worker checks
// for a pause every kWorkerBatch objects at most and holds no gray object
// while idle, which mark termination relies on.  Internal to the
// collector's files.
#ifndef WBBENCH_GC_MARK_WORKERS_H_
#define WBBENCH_GC_MARK_WORKERS_H_

#include <chrono>
#include <cstddef>
#include <thread>

#include "gc/collector.h"
#include "gc/work_buf.h"

namespace gc {

// Gray objects a worker scans between checks of the pause flag: ~64 KiB of
// 16-byte objects, a few tens of microseconds, which bounds how long a
// termination pause waits for the workers.
inline constexpr size_t kWorkerBatch = 4096;
// How often idle workers re-check for work when no notification arrives
// (mutators' barrier flushes publish work without waking anyone, and a
// publish racing with a worker's check can miss its wait).
inline constexpr auto kIdlePoll = std::chrono::microseconds(200);
// How often the coordinator re-checks for the end of marking when no
// notification arrives and workers mark.  Every change MarkDoneLocked reads is
// notified under mu_ (a worker going idle, a stack scanned, a mutator leaving),
// so this is a safety net only, and long: on two cores its wake-ups land on the
// mutator's CPU, and at kIdlePoll they switched the mutator out in 43-54% of
// tree-reverse's timed blocks (2-8% at this poll).
inline constexpr auto kMarkDonePoll = std::chrono::milliseconds(2);

struct Collector::Worker {
  int id = 0;
  GcWork gcw;
  std::thread thread;
};

}  // namespace gc

#endif  // WBBENCH_GC_MARK_WORKERS_H_
