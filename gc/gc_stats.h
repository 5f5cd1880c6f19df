// File: gc/gc_stats.h
//
// Per-cycle statistics and the --gctrace line (Go's GODEBUG=gctrace=1).
//
// The collector fills one CycleStats per cycle and appends it when the cycle
// ends (with the world stopped); readers copy the history under a mutex.
// Times are nanoseconds.  CPU times come from CLOCK_THREAD_CPUTIME_ID of the
// threads that did the work (dedicated workers, the driving thread, and
// mutators while assisting).
//
// The trace line follows Go's layout:
//   gc 7 @1.204s: 0.021+3.1+0.044 ms clock, 0.021+0.40/2.9+0.044 ms cpu,
//   12->13->6 MB, 14 MB goal, 2 workers, 1 retries
// clock: start pause + concurrent mark wall + termination pause(s);
// cpu: start pause + assist/background mark + termination; heap: live at
// start -> live at end of mark -> marked; then the goal of this cycle.
#ifndef WBBENCH_GC_GC_STATS_H_
#define WBBENCH_GC_GC_STATS_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace gc {

struct CycleStats {
  uint64_t cycle = 0;
  int64_t start_time_ns = 0;         // since the collector was created
  int64_t start_pause_ns = 0;        // STW to turn the barrier on
  int64_t termination_pause_ns = 0;  // all termination pauses, summed
  std::vector<int64_t> pauses_ns;    // every stop-the-world pause, in order
  int64_t mark_wall_ns = 0;          // from start-pause end to final pause
  int64_t mark_cpu_ns = 0;           // dedicated workers and the driver
  int64_t assist_cpu_ns = 0;         // mutators' assists
  uint64_t bytes_marked = 0;         // bytes shaded (excludes allocate-black)
  uint64_t objects_marked = 0;
  uint64_t heap_live_start = 0;  // heap in use at mark start
  uint64_t heap_live_end = 0;    // heap in use at mark termination
  uint64_t heap_goal = 0;
  int termination_retries = 0;  // terminations that found new work
  int workers = 0;
  bool stw = false;  // the whole cycle ran stopped
  // GcConfig::cards only.  Every card dirtied during the mark is rescanned
  // once per dirtying: by a preclean pass or by the remark.
  bool cards = false;
  int preclean_passes = 0;
  uint64_t cards_precleaned = 0;  // dirty cards the preclean passes rescanned
  uint64_t cards_remarked = 0;    // dirty cards the remark rescanned
  int64_t remark_cards_ns = 0;    // the remark's card rescan, in the pause
  // --verify only.
  bool verified = false;
  uint64_t lost_objects = 0;
  bool accounting_ok = true;  // CheckmarkResult::accounting_ok()
};

// Go's gctrace line for one cycle (no trailing newline).
std::string GcTraceLine(const CycleStats& s);

class GcStats {
 public:
  void Add(CycleStats s);
  std::vector<CycleStats> History() const;
  size_t Cycles() const;
  // Sum of lost objects over verified cycles.
  uint64_t TotalLost() const;
  // Every pause of every cycle.
  std::vector<int64_t> AllPauses() const;

 private:
  mutable std::mutex mu_;
  std::vector<CycleStats> cycles_;
};

// CLOCK_THREAD_CPUTIME_ID and CLOCK_MONOTONIC in nanoseconds.
int64_t ThreadCpuNanos();
int64_t MonoNanos();
// The calling thread's context switches so far, voluntary and not
// (getrusage(RUSAGE_THREAD)); 0 if it cannot be read.
uint64_t ThreadContextSwitches();

}  // namespace gc

#endif  // WBBENCH_GC_GC_STATS_H_
