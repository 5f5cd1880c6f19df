// File: tests/torture/torture.h
//
// The torture driver: a randomized, adversarial mutator program run against
// the real concurrent collector, with every cycle verified (checkmark), under
// one barrier configuration at a time.
//
// What it proves.  For every sound configuration (each barrier kind with each
// shading algorithm and the stack-scan policy that algorithm needs, and the
// `none` barrier under stop-the-world collection) the verifier finds nothing
// lost over many cycles.  For every unsound one (the `none` barrier under
// concurrent marking; Yuasa's deletion barrier with per-mutator concurrent
// stack scans instead of the start snapshot; Dijkstra's insertion barrier
// without the termination rescan) it finds lost objects within the same
// budget: the program is the same, only the configuration differs, so the
// sound results are not an accident of a program too tame to lose anything.
//
// The program (tests/torture/torture.cc).  `mutators` threads on a tiny heap
// (a few hundred KiB live, GOGC 10..50, so cycles come every few
// milliseconds) each mix random graph mutation (allocation and allocation
// bursts, stores into old objects, loads onto and drops from its shadow
// stack, global writes, short parks) with two adversarial moves that each
// break one half of the hybrid barrier's argument:
//  - hide in the stack: once its stack is black, move the only pointer to a
//    still-white object from the heap onto the stack and delete the heap
//    edge (lost without a deletion barrier or a termination rescan);
//  - hide in the heap: while its stack is still grey (it was parked in the
//    start pause and has not reached a safepoint since), move the only
//    pointer to a white object from the stack into a black object (one
//    allocated during the mark) and drop it from the stack (lost without an
//    insertion barrier or a start-of-cycle stack snapshot).
// The adversary peeks at the collector (phase, its own G's stack colour, mark
// bits) to time these moves; it never changes what the collector does.
//
// Threads.  Run() is called by one controlling thread; it installs the
// barrier (barriers/barrier_config.h), re-initialises the heap, and joins
// everything it starts.  Not reentrant.
#ifndef WBBENCH_TESTS_TORTURE_TORTURE_H_
#define WBBENCH_TESTS_TORTURE_TORTURE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "gc/collector.h"
#include "gc/gc_config.h"

namespace torture {

// One barrier configuration of the collector.
struct Config {
  std::string name;  // "buffered/hybrid", "none/concurrent", ...
  barriers::BarrierKind kind;
  barriers::Algorithm algorithm;
  gc::GcMode mode;
  gc::StackScanPolicy stack_scan;
  gc::UnsafeKnobs knobs;
  bool sound;  // expected to lose nothing
};

// Every barrier kind but `none` with every algorithm and its stack-scan
// policy, under concurrent marking, then under the incremental schedule
// ("buffered/hybrid/incremental"); then `none` under stop-the-world.
std::vector<Config> SoundConfigs();
// `none` under concurrent marking and under the incremental schedule, then
// for every barrier kind but `none`:
// yuasa with per-mutator concurrent stack scans, dijkstra without the
// termination rescan; and for a card-marking kind (cardmark), the
// collector without the remark's card rescan ("cardmark/dijkstra-no-remark").
std::vector<Config> UnsoundConfigs();
// Sound, then unsound.
std::vector<Config> AllConfigs();
std::optional<Config> ConfigFromName(absl::string_view name);

// Installs `config`'s barrier (with a `wbbuf_entries` buffer) and returns
// the collector configuration that goes with it: its mode and stack-scan
// policy, the buffer geometry, the verifier on, one mark worker.  The caller
// adjusts the rest, then calls gc::Heap::Init.  The previous barrier is
// restored by the caller (barriers::InstalledBarrier() before).
gc::GcConfig InstallBarrierFor(const Config& config, size_t wbbuf_entries);

// CI mode and --long: verified cycles per configuration.
inline constexpr uint64_t kShortCycles = 50;
inline constexpr uint64_t kLongCycles = 1000;
// The GOGC range: small, so that a tiny heap collects constantly.
inline constexpr int kMinGogc = 10;
inline constexpr int kMaxGogc = 50;

struct Options {
  uint64_t cycles = kShortCycles;  // verified cycles to run
  int mutators = 4;                // mutator threads (the machine has 2 cores)
  uint32_t seed = 1;
  // 0: drawn in [kMinGogc, kMaxGogc] from the seed and the configuration's
  // name, so that a matrix run covers the range.
  int gogc = 0;
  // Unsound configurations stop at the first cycle that loses objects.
  bool stop_at_first_loss = true;
  // Wall-clock limit per run; a run that hits it reports fewer cycles.
  double timeout_seconds = 120;
};

struct Result {
  uint64_t cycles = 0;    // cycles completed
  uint64_t verified = 0;  // of which checkmarked
  uint64_t lost = 0;      // objects the verifier found lost, summed
  // Cycles whose mark accounting did not balance (gc/checkmark.h): a marker
  // bug even where nothing was lost.
  uint64_t accounting_errors = 0;
  uint64_t lossy_cycles = 0;
  uint64_t first_lossy_cycle = 0;  // 1-based; 0 if none
  // Adversarial moves made (see above); a sound result means something only
  // if the mutators tried.
  uint64_t heap_hides = 0;
  uint64_t stack_hides = 0;
  // Card-marking collectors: stack hides moved into a black box after the
  // preclean passes (the remark's alone to find).
  uint64_t boxed_hides = 0;
  // Hides whose deletion a courier mutator made and took away when it
  // exited mid-mark; bulk copies (the bulk barrier); large objects
  // allocated; mark workers stopped mid-drain holding more than a workbuf
  // of gray objects (dedicated workers run only under concurrent marking).
  uint64_t courier_exits = 0;
  uint64_t bulk_copies = 0;
  uint64_t large_objects = 0;
  uint64_t worker_interrupts = 0;
  int gogc = 0;
  double seconds = 0;
  bool timed_out = false;
};

Result Run(const Config& config, const Options& options);

// GOGC for a run of `config`: options.gogc, or drawn (see Options::gogc).
int GogcFor(const Config& config, const Options& options);

// Whether the adversary made every move that `config` allows (hid in the
// stack, through a courier too, and in the heap), so that a sound result
// is not vacuous.
bool Tried(const Config& config, const Result& r);

// Whether `r` is what `config` must produce with `options`: sound
// configurations verify at least options.cycles cycles, lose nothing,
// balance their accounting and made every move (Tried, bulk copies, large
// objects); unsound ones lose something within options.cycles cycles.
bool Passed(const Config& config, const Options& options, const Result& r);

// One line: name, cycles, verified, lost, GOGC, time.
std::string Describe(const Config& config, const Result& r);

}  // namespace torture

#endif  // WBBENCH_TESTS_TORTURE_TORTURE_H_
