// File: harness/repetition.h
//
// One repetition of one configuration (a workload, a barrier, a GC mode):
// what is timed, and the counters it comes out with.  The runner
// (harness/runner.h) runs repetitions of every configuration of its plan;
// --counters=valgrind (harness/valgrind_counts.h) runs one, counted, per
// process.
//
// What is timed.  A mutator thread runs its workload in chunks of
// kOpsPerChunk operations (Step calls), timed with the TSC.  A chunk's time
// is mutator time only (harness/chunk_meter.h): time the thread spent in
// the runtime during the chunk (held at a safepoint by a pause, waiting at
// the heap goal, assisting the marker) is taken out and reported on its own
// (pause_ns_per_store, assist_ns_per_store), and a block of chunks during
// which the thread was switched out or migrated is dropped and counted
// (dropped_block_fraction).  Chunks form blocks; between two blocks the
// thread polls a safepoint and calls gc::Gosched(), where the incremental
// schedule runs its mark steps, outside every chunk.
//
// One repetition: a fresh heap and collector; one thread per mutator, each
// building its workload (untimed), then all start together after a full
// collection (as Go's benchmark calls runtime.GC()); each runs untimed for a
// quarter of the duration (the first cycles of a fresh heap are slower),
// then timed until the duration or --ops is reached.  Hardware counters (or
// the task-clock) are read per mutator thread around the timed loop.
#ifndef WBBENCH_HARNESS_REPETITION_H_
#define WBBENCH_HARNESS_REPETITION_H_

#include <atomic>
#include <map>
#include <string>

#include "barriers/barrier_kind.h"
#include "gc/gc_config.h"
#include "harness/counter_set.h"
#include "harness/options.h"
#include "workloads/workload_kind.h"

namespace harness {

// Set from a SIGINT handler: the repetition in progress stops (a huge --ops
// honours it too), and no other starts.
extern std::atomic<bool> interrupt_requested;

// What one repetition runs.
struct RepetitionConfig {
  workloads::WorkloadKind workload;
  barriers::BarrierKind barrier;
  gc::GcMode mode;
  // Counted under valgrind (RunCountedConfiguration): kStw cycles run whole
  // between blocks on the mutator's thread, kIncremental steps mark a fixed
  // amount of work, and callgrind counts the chunks.
  bool counted = false;
};

// Runs one repetition of `c` (a fresh heap and collector) and returns its
// counters, under the unprefixed names of harness/report.h.
std::map<std::string, double> RunRepetition(const Options& o,
                                            const RepetitionConfig& c,
                                            const CounterSet& counter_set);

// The configurations --counters=valgrind counts (harness/valgrind_counts.h),
// each in its own process under valgrind, with one mutator and --ops:
//   kBaseline  no barrier code, kStw;
//   kOff       the barrier's code, kStw (the barrier is never on);
//   kOn        the barrier's code, kIncremental, cycles back to back.
// Nothing of the collector runs inside a chunk: kStw cycles run whole
// between two blocks once the pacer's trigger is reached; kIncremental
// steps mark a fixed amount of scan work (no clock).  Callgrind counts every
// chunk of kBaseline and kOff and the chunks of kOn that start with the
// barrier on; the counters name them (counted_stores and the like).
enum class CountedLeg { kBaseline, kOff, kOn };
std::map<std::string, double> RunCountedConfiguration(
    const Options& options, workloads::WorkloadKind workload,
    barriers::BarrierKind barrier, CountedLeg leg);

}  // namespace harness

#endif  // WBBENCH_HARNESS_REPETITION_H_
