// File: gc/runtime.h
//
// The mutator contexts, shaped like Go's g, m and p (runtime/runtime2.go).
//
// Every mutator thread runs one G on its own M, which holds one P for as long
// as it runs managed code.  The P owns the per-processor state the write
// barrier and the allocator touch on every call: the write-barrier buffer,
// the allocation cache and the gray work buffers.  A thread reaches its G
// through one initial-exec TLS variable, so JIT-generated code can find the
// buffer with `mov r, fs:[off]` followed by two loads (g->m, m->p), exactly as
// Go 1.10's gcWriteBarrier did (get_tls; g(R13); g_m; m_p).
//
// Layout contract with generated code (barriers/): the offsets below are part
// of the JIT's ABI and are static_asserted here; fields may be added after
// them, never before.
//
// Invariants:
//  - A P is held by at most one M at a time; only that M's thread touches
//    p->wb_buf outside a stop-the-world pause.  During a pause the collector
//    may flush every P's buffer.
//  - The write-barrier buffer's invariant, kept by every writer (WbBuf,
//    below): buf <= next <= end <= buf + capacity, and an entry is written
//    only where it fits.
#ifndef WBBENCH_GC_RUNTIME_H_
#define WBBENCH_GC_RUNTIME_H_

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>

#include "gc/work_buf.h"

namespace gc {

// Go's wbBufEntries: 256 entries of two pointers.  The trade-off (Go's
// comment in mwbbuf.go): more entries amortise the flush better but lengthen
// the time a pointer sits unshaded and the work done at mark termination.
inline constexpr size_t kWbBufDefaultEntries = 256;
// Upper bound for --wbbuf-entries; the buffer is inline in P, as in Go.
inline constexpr size_t kWbBufMaxEntries = 1024;
// Pointers per entry for the hybrid barrier: the new value and the old *slot.
inline constexpr size_t kWbBufEntryPointers = 2;

// Go's wbBuf.  `next` and `end` are raw pointers so that the fast path is a
// pointer compare.  Entries are laid out [value, old] for two-pointer
// barriers and [ptr] for one-pointer algorithms (dijkstra, yuasa).
//
// The invariant every writer keeps: buf <= next <= end <= buf + capacity,
// and an entry is written only where it fits (next + entry <= end).  Two
// disciplines keep it:
//  - reserve, then write (Go 1.21's get1/get2): the batched reservation and
//    the bulk barrier test Fits() first and flush when the entry does not
//    fit; the batched barrier may therefore leave the buffer exactly full.
//  - write, then flush when full (Go 1.10's gcWriteBarrier): the buffered
//    and cgocheck fast path writes first, which is in bounds because under
//    those kinds every writer (that fast path and the bulk barrier) flushes
//    when it fills the buffer, so no store finds it full.
// CheckInvariant() asserts the first line in debug builds.
//
// The geometry (entries, words per entry) is fixed when the P is born, from
// GcConfig (wbbuf_entries, wbbuf_entry_pointers, which
// barriers::ApplyToGcConfig fills from the installed barrier: cgocheck's is
// one entry, so every store fills it and flushes); Reset() empties it to
// that geometry.  An unconfigured buffer has no room (end == buf).
struct WbBuf {
  uintptr_t* next = buf;
  uintptr_t* end = buf;
  uintptr_t buf[kWbBufMaxEntries * kWbBufEntryPointers];
  size_t words = 0;  // capacity: entries x words per entry
  size_t entry_words = kWbBufEntryPointers;

  // Fixes the geometry and empties the buffer.
  void Init(size_t entries, size_t entry_pointers) {
    assert(entries * entry_pointers <= kWbBufMaxEntries * kWbBufEntryPointers);
    words = entries * entry_pointers;
    entry_words = entry_pointers;
    Reset();
  }
  // Empties the buffer (Go's wbBuf.reset): every flush ends with it.
  void Reset() {
    next = buf;
    end = buf + words;
  }
  bool Empty() const { return next == buf; }
  // Room for one more entry of `words` words.
  bool Fits(size_t words) const {
    return static_cast<size_t>(end - next) >= words;
  }
  void CheckInvariant() const {
    assert(buf <= next && next <= end &&
           end <= buf + kWbBufMaxEntries * kWbBufEntryPointers);
  }
};

// What shading found in the pointers the barriers recorded (--redundancy;
// gc/shade.h): per P, written by whoever shades for the P (its mutator, or
// the collector with the world stopped).  An entry is one store's record
// (EntryPointers words); it was effective if shading it marked an object.
struct ShadeTally {
  uint64_t entries = 0;
  uint64_t effective_entries = 0;
  uint64_t words = 0;
  uint64_t nil_words = 0;
  uint64_t non_heap_words = 0;  // not nil, not in an in-use span
  uint64_t marked_words = 0;    // already marked when shading reached them

  ShadeTally operator-(const ShadeTally& b) const {
    return {entries - b.entries,
            effective_entries - b.effective_entries,
            words - b.words,
            nil_words - b.nil_words,
            non_heap_words - b.non_heap_words,
            marked_words - b.marked_words};
  }
  ShadeTally& operator+=(const ShadeTally& b) {
    entries += b.entries;
    effective_entries += b.effective_entries;
    words += b.words;
    nil_words += b.nil_words;
    non_heap_words += b.non_heap_words;
    marked_words += b.marked_words;
    return *this;
  }
};

struct M;
struct G;
class Collector;
class Mutator;
class MCache;

// A processor: the state a mutator needs to run managed code: the
// write-barrier buffer first (the generated code reaches it at fixed
// offsets), then its allocation cache and gray objects.
struct P {
  WbBuf wb_buf;
  int id = 0;
  // Fields below belong to the collector (gc/collector.h, gc/mutator.h).
  Collector* collector = nullptr;
  MCache* mcache = nullptr;  // this P's allocation cache
  GcWork gcw;                // this P's gray objects (barrier flushes, assists)
  // Bytes allocated since the last pacer check (gc/mutator.h, Allocate).
  int64_t alloc_since_check = 0;
  // Scan work (bytes) this P owes the marker this cycle (assists).
  int64_t assist_debt = 0;
  // Whether shading for this P fills shade_tally (GcConfig::tally_shading).
  bool tally_shading = false;
  // Whether this P's barrier flushes time their shading (time_flush).
  bool time_flush = false;
  ShadeTally shade_tally;
};

// An OS thread.  `locks` is Go's m.locks (acquirem); `g0_stack_hi` is the top
// of the per-thread system stack the unbuffered barrier switches to, set by
// the barrier the first time it runs on the thread
// (barriers/unbuffered_barrier.cc).
struct M {
  P* p = nullptr;
  int locks = 0;
  uint8_t* g0_stack_hi = nullptr;
};

// A goroutine, here a mutator.  `stack_black` is set once its shadow stack
// has been scanned in the current cycle (used by hybrid-cond).
struct G {
  M* m = nullptr;
  std::atomic<bool> stack_black{false};
  int id = 0;
  // Fields below belong to the collector (gc/mutator.h).
  Mutator* mutator = nullptr;
  // GStatus; changes only under the collector's scheduler lock.
  std::atomic<uint32_t> status{0};
  // Go's preempt flag: the next Safepoint() takes the slow path (a stop the
  // world request, or a request to scan its own stack).
  std::atomic<bool> preempt{false};
  // This cycle's stack scan is still owed (per-mutator scan policies).
  std::atomic<bool> scan_pending{false};
  // Time this G's own thread spent in the runtime instead of its own code
  // (TSC ticks), so that the harness can keep it out of mutator time: held
  // at a safepoint or waiting at the heap goal (pause_ticks), assisting the
  // marker (assist_ticks).  `wait_switches` counts the context switches its
  // blocking waits caused, which are not descheduling.  Written and read only
  // by the G's own thread.
  uint64_t pause_ticks = 0;
  uint64_t assist_ticks = 0;
  uint64_t wait_switches = 0;
  int runtime_depth = 0;  // nesting of the timed runtime spans above
  // When this G's last incremental step ended (MonoNanos; 0: none yet).
  int64_t step_end_ns = 0;
};

// The current thread's G (nullptr on threads that run no managed code).
// initial-exec: one fs-relative load from any code, including JIT code.
extern thread_local G* tls_g __attribute__((tls_model("initial-exec")));

// Go's writeBarrier.enabled: the byte every call site tests before a pointer
// store into the heap or a global.  Set only with the world stopped.
extern std::atomic<uint8_t> write_barrier_enabled;

// Offsets the generated barrier code depends on.
inline constexpr size_t kGOffsetM = 0;
inline constexpr size_t kMOffsetP = 0;
inline constexpr size_t kPOffsetWbBufNext = 0;
inline constexpr size_t kPOffsetWbBufEnd = 8;
inline constexpr size_t kPOffsetWbBufBuf = 16;
static_assert(offsetof(G, m) == kGOffsetM);
static_assert(offsetof(M, p) == kMOffsetP);
static_assert(offsetof(P, wb_buf) + offsetof(WbBuf, next) == kPOffsetWbBufNext);
static_assert(offsetof(P, wb_buf) + offsetof(WbBuf, end) == kPOffsetWbBufEnd);
static_assert(offsetof(P, wb_buf) + offsetof(WbBuf, buf) == kPOffsetWbBufBuf);

}  // namespace gc

#endif  // WBBENCH_GC_RUNTIME_H_
