// File: gc/sweeper.h
//
// Sweeping (Go's mgcsweep.go): after mark termination every in-use span is
// swept exactly once before the next mark phase begins.
//
// Sweeping a span: objects that were allocated but are not marked are freed
// (not zeroed, as in Go: the span is marked needzero and allocation zeroes
// each slot it hands out again; poisoned under ASan); the mark bits
// become the allocation bits and are cleared; a span left empty goes back to
// the page heap, others to their MCentral's swept stacks.
//
// Exactly once per cycle: Heap::StartSweep (mark termination, world stopped)
// adds 2 to the heap's sweepgen, which makes every span "needs sweeping"
// (sweepgen == sg - 2).  Whoever pops a span from an MCentral's unswept stack
// owns it, moves it to sg - 1, sweeps it and publishes sg.  Three kinds of
// callers sweep, concurrently with mutators and each other:
//  - allocation: MCentral::CacheSpan sweeps spans of its own class (lazy
//    sweep), and Heap::AllocSpan sweeps to reclaim pages before growing;
//  - a background sweeper thread (BackgroundSweeper, or any thread calling
//    Heap::SweepOne in a loop; Go's bgsweep);
//  - Heap::StartMark (Go's finishsweep_m) sweeps whatever is left, so the
//    marker never sees a span with stale mark bits.
// The marker never runs during sweeping, so the sweeper may clear mark bits
// and free spans without racing FindObject.
#ifndef WBBENCH_GC_SWEEPER_H_
#define WBBENCH_GC_SWEEPER_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "gc/span.h"

namespace gc {

class Scavenger;

// Sweeps span `s`, which the caller claimed (sweepgen == sg - 1).  With
// `preserve` (Go's preserve), the span is left with the caller, swept, even
// if empty; otherwise it goes to its MCentral or, if empty, the page heap.
// Returns the number of pages given back to the page heap.
size_t SweepSpan(Span* s, bool preserve);

// A thread that sweeps in the background after each StartSweep (Go's
// bgsweep).  Optional: lazy sweeping and StartMark finish the job without it.
class BackgroundSweeper {
 public:
  // Starts the thread, idle; it wakes `scavenger` (if any) each time it
  // finds nothing left to sweep, as Go's bgsweep readies the scavenger.
  explicit BackgroundSweeper(Scavenger* scavenger = nullptr);
  ~BackgroundSweeper();  // stops it
  BackgroundSweeper(const BackgroundSweeper&) = delete;
  BackgroundSweeper& operator=(const BackgroundSweeper&) = delete;

  // Asks the thread to sweep until Heap::SweepDone (call after StartSweep).
  void Wake();

 private:
  void Run();

  Scavenger* scavenger_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool work_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gc

#endif  // WBBENCH_GC_SWEEPER_H_
