// File: harness/runner.h
//
// The measured run behind `wbbench --barrier=...`.
//
// What one repetition times, and how: harness/repetition.h.
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
#ifndef WBBENCH_HARNESS_RUNNER_H_
#define WBBENCH_HARNESS_RUNNER_H_

#include <functional>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "harness/options.h"
#include "harness/report.h"

namespace harness {

// Called before each repetition: repetitions done so far, the total, and
// what runs next (workload, barrier, leg).
using ProgressFn =
    std::function<void(int done, int total, const std::string& what)>;

// Runs the plan in `options`.  Fails (InvalidArgument) only for plans that
// must not run, e.g. `none` under concurrent marking without --unsafe.
absl::StatusOr<Report> RunBenchmarks(const Options& options,
                                     const ProgressFn& progress);

}  // namespace harness

#endif  // WBBENCH_HARNESS_RUNNER_H_
