// File: harness/runner.h
//
// The measured run behind `wbbench --barrier=...`.
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
// Decomposition.  For every workload the runner measures a baseline (the
// workload with no barrier code, --gc=stw) and, for each selected barrier,
// up to three configurations ("legs") of the same workload and barrier:
//   off          barrier code in place, collector stopping the world, so
//                the barrier is never on;
//   incremental  gc::GcMode::kIncremental: cycles driven by mark steps
//                between blocks, so nothing else runs while a chunk runs;
//                after each cycle the collector stays idle for as many
//                steps as the cycle took, so this leg has barrier-off
//                chunks too, interleaved in the same heap;
//   concurrent   --gc=continuous (default) or concurrent: dedicated mark
//                workers beside the mutator.
// and reports, per repetition (figures over chunks with the barrier on at
// both ends where it says "on"):
//   check_ns_per_store          off - baseline;
//   own_ns_per_barriered_store  (incremental on - baseline) / barriered
//                               fraction, estimated as ((incremental on -
//                               incremental off) + median check) /
//                               fraction: the on - off part, which holds
//                               the barrier's work, is paired within one
//                               heap and moment, and the check, whose own
//                               spread its column shows, is the median of
//                               the repetitions';
//   interference_ns_per_store   concurrent on - incremental on;
// each with its cycles twin (hardware, or the estimated core clock).  The
// concurrent leg's counters keep the plain names (ns_per_store, flushes,
// GCs, barrier_ns_per_store: its on - baseline share, own cost and
// interference together); the other legs' counters are prefixed
// ("off_ns_per_store", "incremental_gc_cycles").  --gc=incremental measures
// off and incremental only; --gc=stw or off, the check leg only.  `none`
// gets the check leg only (it is unsound while marking) unless --unsafe.
//
// Schedule: one warm-up repetition, then `repetitions` rounds; each round
// runs every configuration once (baseline and legs interleaved, ABAB...),
// so drift on a shared machine hits all of them alike.
//
// One repetition: a fresh heap and collector; one thread per mutator, each
// building its workload (untimed), then all start together after a full
// collection (as Go's benchmark calls runtime.GC()); each runs untimed for a
// quarter of the duration (the first cycles of a fresh heap are slower),
// then timed until the duration or --ops is reached.  Hardware counters (or
// the task-clock) are read per mutator thread around the timed loop.
#ifndef WBBENCH_HARNESS_RUNNER_H_
#define WBBENCH_HARNESS_RUNNER_H_

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "harness/options.h"
#include "harness/report.h"

namespace harness {

// Set from a SIGINT handler: stop after the current repetition.
extern std::atomic<bool> interrupt_requested;

// Called before each repetition: (index, total, name, rep label).
using ProgressFn =
    std::function<void(int done, int total, const std::string& what)>;

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

// Runs the plan in `options`.  Fails (InvalidArgument) only for plans that
// must not run, e.g. `none` under concurrent marking without --unsafe.
absl::StatusOr<Report> RunBenchmarks(const Options& options,
                                     const ProgressFn& progress);

}  // namespace harness

#endif  // WBBENCH_HARNESS_RUNNER_H_
