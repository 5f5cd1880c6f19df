// File: harness/runner.h
//
// The measured run behind `wbbench --barrier=...`.
//
// For every selected workload the runner measures each selected barrier and
// one baseline: the same workload with no barrier and the collector
// stopping the world (so the barrier is never on).  The barrier's share of a
// repetition is (ns per store over the chunks that ran with the barrier on -
// ns per store of the baseline repetition with the same index) / the
// fraction of those chunks' stores that were barriered.  Timing only the
// barrier-on chunks (as one tags Go's benchmark loop by
// writeBarrier.enabled) keeps the share from being diluted by the time the
// barrier is off; those chunks also carry the concurrent marker's
// interference, which is part of what running with the barrier costs.
//
// Schedule: one warm-up repetition, then `repetitions` rounds; each round
// runs every configuration once, so drift on a shared machine hits all of
// them alike.
//
// One repetition: a fresh heap and collector; one thread per mutator, each
// building its workload (untimed), then all start together after a full
// collection (as Go's benchmark calls runtime.GC()); each runs Step() chunks
// until the duration or --ops is reached, polling a safepoint between
// chunks.  Only the chunks are timed (TSC), so pauses a mutator waits out at
// a safepoint are not mutator time; a chunk's ticks count as "barrier on"
// when the barrier was on at both its ends.  Hardware counters (or the
// task-clock) are read per mutator thread around the whole loop.
#ifndef WBBENCH_HARNESS_RUNNER_H_
#define WBBENCH_HARNESS_RUNNER_H_

#include <atomic>
#include <functional>
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

// Runs the plan in `options`.  Fails (InvalidArgument) only for plans that
// must not run, e.g. `none` under concurrent marking without --unsafe.
absl::StatusOr<Report> RunBenchmarks(const Options& options,
                                     const ProgressFn& progress);

}  // namespace harness

#endif  // WBBENCH_HARNESS_RUNNER_H_
