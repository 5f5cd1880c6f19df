// File: gc/heap.h
//
// The managed heap (Go's mheap_): one process-wide object tying together the
// arenas and page table (gc/arena.h), the page heap (gc/page_heap.h), the
// central span lists (gc/mcentral.h), the per-P caches (gc/mcache.h) and
// sweeping (gc/sweeper.h), plus what the collector reads: FindObject, mark
// bits, exact pointer slots, statistics and the heap limit.
//
// What the collector calls, and when:
//  - FindObject(p) (any thread, any time outside sweeping): the object
//    containing address p (interior pointers resolve to their object), or an
//    empty ObjectRef for nil, non-heap addresses, free pages and span tails.
//    Then ref.span->TryMark(ref.index) / IsMarked.
//  - ForEachPointerSlot(ref, f) (or (span, base, f)): f(uintptr_t* slot) for
//    each pointer word of the object, exactly as its type says; read slots with
//    LoadSlot (a relaxed atomic load: mutators store into them concurrently).
//    ref.span->noscan means there is nothing to scan.
//  - Heap::StartMark() at gcStart, world stopped: finishes the previous
//    sweep, zeroes the allocated-black counter, turns allocate-black on.
//  - Heap::StartSweep() at mark termination, world stopped, after the last
//    mark: turns allocate-black off, flushes every MCache, and starts a sweep
//    generation (Go's gcSweep: sweepgen += 2).  allocated_black_bytes() then
//    holds the cycle's total.
//  - Heap::SweepOne() / FinishSweep() from a background sweeper thread (or
//    BackgroundSweeper); allocation sweeps lazily by itself.
//
// Heap limit: when the heap's live bytes (Go's heapLive: allocated objects,
// garbage not yet swept included, cached spans counted whole) would pass
// GcConfig::heap_limit, the limit handler runs.  The default prints
// "wbbench: heap limit exceeded: live N MiB > limit M MiB" and exits with
// status 1; a handler that returns makes the allocation return nullptr.
//
// Lifetime: Heap::Get() is never destroyed.  Heap::Init(config) discards the
// current heap (unmapping its memory) and starts an empty one; call it with
// no other thread using the heap (tests call it in SetUp).
#ifndef WBBENCH_GC_HEAP_H_
#define WBBENCH_GC_HEAP_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "absl/base/attributes.h"
#include "gc/arena.h"
#include "gc/gc_config.h"
#include "gc/mcache.h"
#include "gc/mcentral.h"
#include "gc/page_heap.h"
#include "gc/size_classes.h"
#include "gc/span.h"
#include "gc/type_descriptor.h"

namespace gc {

// An object found by FindObject; empty (false) when there is none.
struct ObjectRef {
  uintptr_t base = 0;
  Span* span = nullptr;
  uint32_t index = 0;

  explicit operator bool() const { return span != nullptr; }
  bool TryMark() const { return span->TryMark(index); }
  bool IsMarked() const { return span->IsMarked(index); }
  size_t size() const { return span->elemsize; }
  bool noscan() const { return span->noscan; }
};

// Go's findObject (Go 1.9's heapBitsForObject), and like it a call, not
// inlined, checking the span's state and bounds before the object index.
// Every shading path pays the call per pointer, as Go's do.  The call and
// the mark bits apart from the span (Span::mark_bits) together raised the
// own cost per barriered store on tree-reverse from 7.33 to 8.15 ns
// (buffered) and 15.2 to 17.9 (unbuffered), and BM_MarkThroughput's mark
// CPU from 59.1 to 63.9 ms (medians of 4 alternating runs; the call alone
// was about 0.3 and 2 ns of those).  The call returns span and index in two
// registers, as Go's register ABI returns findObject's three results; the
// base is computed here (a 24-byte ObjectRef would come back through memory
// and cost 7 instructions a call more than Go's).
struct SpanAndIndex {
  Span* span;  // nullptr: no object.
  uint32_t index;
};
ABSL_ATTRIBUTE_NOINLINE SpanAndIndex FindSpanAndIndex(uintptr_t p);
inline ObjectRef FindObject(uintptr_t p) {
  const auto [s, index] = FindSpanAndIndex(p);
  if (s == nullptr) return {};
  return {s->ObjectBase(index), s, index};
}
inline ObjectRef FindObject(const void* p) {
  return FindObject(reinterpret_cast<uintptr_t>(p));
}

// Loads a pointer slot another thread may be storing to.
inline uintptr_t LoadSlot(const uintptr_t* slot) {
  return __atomic_load_n(slot, __ATOMIC_RELAXED);
}

// Calls f(uintptr_t* slot) for every pointer word of the object at `base` in
// span s: for each of its `count` elements, the words its type's bitmap
// marks.  Nothing for a noscan object.
template <typename F>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void ForEachPointerSlot(const Span* s,
                                                            uintptr_t base,
                                                            F&& f) {
  if (s->noscan) return;
  const auto [type, count] = s->TypeAt(base);
  if (type == nullptr) return;  // nothing was allocated here.
  uintptr_t* elem = reinterpret_cast<uintptr_t*>(base);
  auto slot = [&](size_t w) ABSL_ATTRIBUTE_ALWAYS_INLINE { f(elem + w); };
  if (count == 1) {  // the common case, without the element loop
    type->ForEachPointerWord(slot);
    return;
  }
  const size_t words = type->size() / kPtrSize;
  for (size_t i = 0; i < count; ++i, elem += words) {
    type->ForEachPointerWord(slot);
  }
}
template <typename F>
inline void ForEachPointerSlot(const ObjectRef& obj, F&& f) {
  ForEachPointerSlot(obj.span, obj.base, f);
}

struct HeapStats {
  size_t live_bytes = 0;    // Go's heapLive (see the limit note above).
  size_t objects = 0;       // allocated objects, on the same basis.
  size_t marked_bytes = 0;  // bytes that survived this cycle's sweeps.
  size_t allocated_black_bytes = 0;  // this cycle, flushed caches only.
  size_t spans_in_use = 0;
  size_t mapped_bytes = 0;  // address space reserved in arenas.
  uint32_t sweepgen = 0;
  bool sweep_done = true;
};

// Called when live bytes would pass the limit.
using HeapLimitHandler = void (*)(size_t live_bytes, size_t limit_bytes);
// Prints "wbbench: heap limit exceeded: live N MiB > limit M MiB" to stderr
// and exits with status 1.
[[noreturn]] void DefaultHeapLimitHandler(size_t live_bytes,
                                          size_t limit_bytes);

class Heap {
 public:
  static Heap& Get();
  // Discards the heap and starts an empty one configured by `config`.
  static void Init(const GcConfig& config);

  const GcConfig& config() const { return config_; }
  // nullptr restores DefaultHeapLimitHandler.
  void SetHeapLimitHandler(HeapLimitHandler handler);

  // --- collector hooks (world stopped) ---
  void StartMark();
  void StartSweep();
  static bool allocate_black() {
    return g_allocate_black.load(std::memory_order_relaxed);
  }
  uint32_t sweepgen() const {
    return sweepgen_.load(std::memory_order_acquire);
  }

  // Sweeps one span; false if no span is left to sweep (Go's sweepone).
  // Adds pages given back to the page heap to *pages_freed if non-null.
  bool SweepOne(size_t* pages_freed = nullptr);
  // Sweeps everything left and waits for sweeps other threads have begun.
  void FinishSweep();
  bool SweepDone() const {
    return unswept_.load(std::memory_order_acquire) == 0;
  }

  // --- statistics ---
  HeapStats Stats() const;
  size_t live_bytes() const {
    return live_bytes_.load(std::memory_order_relaxed);
  }
  size_t allocated_black_bytes() const {
    return black_bytes_.load(std::memory_order_relaxed);
  }
  // Bytes of marked objects, counted span by span (world stopped; for the
  // checkmark verifier and tests).
  size_t CountMarkedBytes();

  // --- internal: used by MCache, MCentral, the sweeper ---
  MCentral& central(SpanClass sc) { return central_[sc]; }
  PageHeap& page_heap() { return page_heap_; }
  // A published span of class sc over npages pages (sweeps to reclaim first
  // while a sweep is under way); nullptr if the address space is exhausted.
  Span* AllocSpan(size_t npages, SpanClass sc);
  // Gives an empty span back to the page heap.
  void FreeSpan(Span* s);
  // Counts `bytes` and `objects` as allocated; if that passes the heap limit,
  // runs the handler instead and returns false (if it returns).
  bool AddLive(size_t bytes, size_t objects) {
    const size_t live =
        live_bytes_.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    if (ABSL_PREDICT_FALSE(live > config_.heap_limit || live < bytes)) {
      live_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
      return LimitExceeded(live < bytes ? ~size_t{0} : live);
    }
    objects_.fetch_add(objects, std::memory_order_relaxed);
    return true;
  }
  void SubLive(size_t bytes, size_t objects) {
    live_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
    objects_.fetch_sub(objects, std::memory_order_relaxed);
  }
  void AddBlackBytes(size_t bytes) {
    black_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void NoteSwept(size_t surviving_bytes) {
    marked_bytes_.fetch_add(surviving_bytes, std::memory_order_relaxed);
    unswept_.fetch_sub(1, std::memory_order_acq_rel);
  }
  // Runs the heap limit handler for a heap that would hold `live` bytes;
  // returns false if the handler returns.
  ABSL_ATTRIBUTE_NOINLINE ABSL_ATTRIBUTE_COLD bool LimitExceeded(size_t live);
  void Register(MCache* c);
  void Unregister(MCache* c);

 private:
  Heap();
  void Reset(const GcConfig& config);

  GcConfig config_;
  std::atomic<HeapLimitHandler> limit_handler_{nullptr};
  PageHeap page_heap_;
  MCentral central_[kNumSpanClasses];

  std::atomic<uint32_t> sweepgen_{0};
  std::atomic<int64_t> unswept_{0};      // spans of this cycle not yet swept.
  std::atomic<size_t> sweep_cursor_{0};  // next class SweepOne looks at.

  std::atomic<size_t> live_bytes_{0};
  std::atomic<size_t> objects_{0};
  std::atomic<size_t> marked_bytes_{0};
  std::atomic<size_t> black_bytes_{0};

  std::mutex caches_mu_;
  MCache* caches_ = nullptr;
};

}  // namespace gc

#endif  // WBBENCH_GC_HEAP_H_
