// File: harness/valgrind_counts.h
//
// `wbbench --counters=valgrind`: instructions and simulated cache misses per
// store, the same on every run and every machine.
//
// wbbench re-runs itself under valgrind's callgrind, once per
// configuration (harness/repetition.h, CountedLeg): the workload's baseline
// (no barrier code), and for each barrier its code with the barrier off (kStw)
// and on (kIncremental, cycles back to back).  One mutator, --ops operations (a
// quarter more of them untimed first), no collector threads: everything the
// collector does runs between blocks of chunks, on the mutator's thread,
// and depends on the program's own progress only (a fixed amount of mark
// work per step), never on a clock.  Callgrind starts with collection off
// (--collect-atstart=no); the chunk meter switches it on around each
// counted chunk's workload code (harness/chunk_meter.h), so the profile
// holds exactly the mutator's work in the counted chunks, while the cache
// simulation runs over the whole program (the caches hold what the
// collector left in them).  The simulated caches have a fixed geometry
// (kCacheGeometry), not the host's, so counts do not depend on the machine.
//
// From each profile (harness/callgrind_profile.h), per store of the
// counted chunks: instructions (Ir), data reads (Dr) and writes (Dw), D1
// misses (D1mr + D1mw), LL misses (ILmr + DLmr + DLmw) and mispredicted
// branches (Bcm + Bim); source "valgrind (simulated)".  Per row:
//   <event>_per_store                    the barrier on (off_ prefix: off);
//   check_<event>_per_store              off - baseline;
//   own_<event>_per_barriered_store      (on - baseline) / barriered
//                                        fraction of the counted chunks;
// and the barrier's own instructions by where they run: for the generated
// barriers, fast_path_instructions_per_call (the JIT instructions the fast
// path runs, per call, each instruction at most once: what --dump-barrier
// counts) and the flush's (the rest of the JIT's instructions plus the
// calls it makes), per barriered store.  The unbuffered barrier is not
// split: it switches to the system stack, which callgrind's call graph
// (it follows calls by the stack pointer) does not follow.
//
// Deterministic: two runs of the same binary with the same flags give the
// same counts, to the last digit.  What would otherwise vary is kept out:
// no clock decides anything (mark steps by work; the warm-up by --ops), the
// controlling thread touches nothing while the mutator runs, and the chunk
// meter reads no scheduling state (all of which would train the simulated
// caches and branch predictor differently from run to run).
#ifndef WBBENCH_HARNESS_VALGRIND_COUNTS_H_
#define WBBENCH_HARNESS_VALGRIND_COUNTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/options.h"
#include "harness/report.h"
#include "harness/runner.h"

namespace harness {

// The --counters value that selects this mode.
inline constexpr char kValgrindCounters[] = "valgrind";
// Operations per configuration when --ops is not given: about a second of
// callgrind per configuration.
inline constexpr uint64_t kValgrindDefaultOps = 1 << 19;
// The simulated caches, the same on every machine (callgrind's flags).
inline constexpr char kCacheGeometry[] =
    "--I1=32768,8,64 --D1=32768,8,64 --LL=8388608,16,64";

// The path of the valgrind executable, or FailedPrecondition saying how to
// install it.
absl::StatusOr<std::string> FindValgrind();

// The whole run: every configuration of `options` in its own callgrind
// child, two at a time.  Each child gets the options that matter to it in
// one spelling, a fixed environment and the binary under a path of fixed
// length, so that what is on the client's stack (and so every stack
// address) does not depend on how the parent was invoked.
// FailedPrecondition when valgrind is not installed.
absl::StatusOr<Report> RunValgrindCounts(const Options& options,
                                         const ProgressFn& progress);

// In the child (--valgrind_child=FILE): runs its one configuration and
// writes "key value" lines to FILE.  Returns the exit status.
int RunValgrindChild(const Options& options);

// The console table of a valgrind report.
std::string ValgrindConsoleReport(const Report& report);

}  // namespace harness

#endif  // WBBENCH_HARNESS_VALGRIND_COUNTS_H_
