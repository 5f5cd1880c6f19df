// File: gc/scan.h
//
// The marker's inner loop: greying an object and scanning one (Go's
// greyobject and scanobject, runtime/mgcmark.go).
//
// GreyObject(gcw, p): resolve p to its object (FindObject: nil, non-heap,
// free-page and span-tail addresses resolve to nothing); set its mark bit
// atomically; if this call set it, count the object's bytes as marked, and
// queue it on gcw unless its span is noscan (then it is black at once).
// The first three steps are MarkObject, which the barriers' ShadeBatch
// shares; only the queueing differs (one Put here, batches there).
// ScanObject(gcw, base): `base` is a gray object's base; read every pointer
// slot the heap bitmap marks (gc/heap_bits.h, as Go's scanobject; the
// object's type was written there at allocation) with a relaxed atomic load
// (mutators may be storing into them) and grey each target; count the
// object's bytes as scan work.
//
// Both are always inlined (GCC otherwise outlines them from the drain loop,
// and the calls cost BM_MarkThroughput about 10%): they are the marker's
// throughput.  Any thread that owns
// `gcw` may call them during marking (kMark or kMarkTermination).
#ifndef WBBENCH_GC_SCAN_H_
#define WBBENCH_GC_SCAN_H_

#include <cstdint>

#include "absl/base/attributes.h"
#include "gc/heap.h"
#include "gc/heap_bits.h"
#include "gc/work_buf.h"

namespace gc {

// The step every shading path shares, the marker's (GreyObject) and the
// barriers' (ShadeBatch, gc/shade.cc): set the mark bit of a resolved
// object, count its bytes if this call set it.  Returns kAlreadyMarked if
// it was marked before, 0 if this call marked a noscan object (black at
// once), else the base to queue.
inline constexpr uintptr_t kAlreadyMarked = ~uintptr_t{0};
ABSL_ATTRIBUTE_ALWAYS_INLINE inline uintptr_t MarkObject(GcWork& gcw,
                                                         const ObjectRef& ref) {
  if (!ref.TryMark()) return kAlreadyMarked;
  gcw.CountMarked(ref.size());
  return ref.noscan() ? 0 : ref.base;
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void GreyObject(GcWork& gcw, uintptr_t p) {
  const ObjectRef ref = FindObject(p);
  if (!ref) return;
  const uintptr_t base = MarkObject(gcw, ref);
  if (base == 0 || base == kAlreadyMarked) return;
  gcw.Put(base);
  // The drain pops the last object pushed first: start its load now, as Go
  // 1.19's greyobject does (sys.Prefetch(obj) before gcw.putFast; its
  // scanobject prefetches the object again on entry, which this leaves
  // out).  Here it took BM_MarkThroughput from 46.3 to 44.7 ms of mark
  // CPU, median of 8 alternating runs.
  __builtin_prefetch(reinterpret_cast<const void*>(base));
}

ABSL_ATTRIBUTE_ALWAYS_INLINE inline void ScanObject(GcWork& gcw,
                                                    uintptr_t base) {
  const HeapArena* arena =
      g_arena_table[base >> kArenaShift].load(std::memory_order_acquire);
  const Span* s =
      arena->spans[(base >> kPageShift) & (kPagesPerArena - 1)].load(
          std::memory_order_acquire);
  gcw.AddScanWork(s->elemsize);
  if (s->noscan) return;
  ForEachHeapPointer(arena, base, s->elemsize,
                     [&gcw](uintptr_t* slot) ABSL_ATTRIBUTE_ALWAYS_INLINE {
                       const uintptr_t v = LoadSlot(slot);
                       if (v != 0) GreyObject(gcw, v);
                     });
}

}  // namespace gc

#endif  // WBBENCH_GC_SCAN_H_
