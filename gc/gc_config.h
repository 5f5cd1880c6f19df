// File: gc/gc_config.h
//
// What the harness tells the collector: the mode, pacing, the stack-scan
// policy the shading algorithm needs, and the checks to run.  Plain data,
// filled from flags by harness/options.cc and by tests directly.
#ifndef WBBENCH_GC_GC_CONFIG_H_
#define WBBENCH_GC_GC_CONFIG_H_

#include <cstddef>
#include <cstdint>

#include "gc/runtime.h"

namespace gc {

// Collector modes (`--gc`).  kIncremental: back to back cycles as
// kContinuous, but no collector threads: every step of a cycle (start,
// bounded mark work, termination) runs on a mutator thread when it calls
// Gosched() (gc/mutator.h), so the code between two Gosched() calls runs
// with nothing else marking or sweeping.
// V(EnumName, "flag-name", "doc")
#define WBBENCH_FOR_EACH_GC_MODE(V)                                           \
  V(kConcurrent, "concurrent",                                                \
    "Go's default: concurrent mark, STW start and termination")               \
  V(kContinuous, "continuous",                                                \
    "a new cycle as soon as one ends (barrier on nearly always)")             \
  V(kIncremental, "incremental",                                              \
    "back to back cycles, each step on a mutator thread")                     \
  V(kStw, "stw", "the whole cycle with the world stopped; no barrier needed") \
  V(kOff, "off", "never collect")

enum class GcMode {
#define WBBENCH_GC_MODE_ENUM(e, name, doc) e,
  WBBENCH_FOR_EACH_GC_MODE(WBBENCH_GC_MODE_ENUM)
#undef WBBENCH_GC_MODE_ENUM
};

struct GcModeInfo {
  GcMode mode;
  const char* name;
  const char* doc;
};

inline constexpr GcModeInfo kGcModeInfos[] = {
#define WBBENCH_GC_MODE_INFO(e, name, doc) {GcMode::e, name, doc},
    WBBENCH_FOR_EACH_GC_MODE(WBBENCH_GC_MODE_INFO)
#undef WBBENCH_GC_MODE_INFO
};

inline constexpr const char* GcModeName(GcMode mode) {
  return kGcModeInfos[static_cast<size_t>(mode)].name;
}

// How mutator stacks (shadow stacks) are scanned; each shading algorithm
// names the one it needs (barriers/algorithm.h).
enum class StackScanPolicy {
  kPerMutatorConcurrent,  // hybrid: each stack scanned once, concurrently.
  kStwAtStart,            // yuasa: every stack scanned in the start pause.
  kRescanAtTermination,   // dijkstra: every stack rescanned at termination.
};

struct GcConfig {
  GcMode mode = GcMode::kConcurrent;
  int gogc = 100;   // percent heap growth; <0 means off.
  int workers = 1;  // dedicated mark workers.
  StackScanPolicy stack_scan = StackScanPolicy::kPerMutatorConcurrent;
  // Every P's write-barrier buffer geometry (gc::WbBuf::Init), filled from
  // the barrier by barriers::ApplyToGcConfig.
  size_t wbbuf_entries = kWbBufDefaultEntries;
  size_t wbbuf_entry_pointers = kWbBufEntryPointers;
  size_t heap_limit = size_t{4} << 30;  // bytes of live heap allowed.
  bool verify = false;                  // checkmark at every mark termination.
  bool gctrace = false;                 // one line per cycle on stderr.
  // kIncremental's mark step budget.  0: mark for as long as the mutator ran
  // since its last step (the default, gc/collector.h).  Otherwise, after the
  // assist debt, mark until this many bytes of scan work are done: the same
  // work at the same point of the program on every run, for counts that
  // must repeat exactly (harness/valgrind_counts.h).
  uint64_t incremental_step_work = 0;
  // Go's cgocheck=2: the write barrier stays on for the whole run (the
  // check runs on every store; shading only while marking).  Set by
  // barriers::ApplyToGcConfig for the cgocheck barrier.
  bool barrier_always_on = false;
  // --redundancy: shading tallies what it finds per P (gc::ShadeTally).
  // Off by default: the tally costs the shading a few instructions per
  // pointer, which the timed figures must not hold.
  bool tally_shading = false;
  // --time_flush: each barrier flush times its shading with the TSC
  // (barriers/wb_buf_flush.h).  Off by default: two TSC reads per flush
  // are about 16 ns on a VM, nothing per store for the buffered barrier
  // but more than its whole check for cgocheck, which flushes every store.
  bool time_flush = false;
  // The barrier dirties cards instead of shading (cardmark): the collector
  // cleans the card table at mark start, rescans dirty cards concurrently
  // before termination (CMS's preclean) and once more in the termination
  // pause (the remark).  Set by barriers::ApplyToGcConfig from the kind's
  // traits.
  bool cards = false;
  // A background scavenger returns free pages to the kernel on Go 1.19's
  // schedule (gc/scavenger.h), and the allocator faults them back in.  Off
  // (--scavenge=off): free pages stay resident.  Only with the collector's
  // threads (not gc=incremental or off, which run nothing in the background).
  bool scavenge = true;
};

}  // namespace gc

#endif  // WBBENCH_GC_GC_CONFIG_H_
