// File: gc/scan.h
//
// The marker's inner loop: greying an object and scanning one (Go's
// greyobject and scanobject, runtime/mgcmark.go).
//
// GreyObject(gcw, p): resolve p to its object (FindObject: nil, non-heap,
// free-page and span-tail addresses resolve to nothing); set its mark bit
// atomically; if this call set it, count the object's bytes as marked, and
// queue it on gcw unless its span is noscan (then it is black at once).
// ScanObject(gcw, base): read every pointer slot the object's type names with
// a relaxed atomic load (mutators may be storing into them) and grey each
// target; count the object's bytes as scan work.
//
// Both are inline: they are the marker's throughput.  Any thread that owns
// `gcw` may call them during marking (kMark or kMarkTermination).
#ifndef WBBENCH_GC_SCAN_H_
#define WBBENCH_GC_SCAN_H_

#include <cstdint>

#include "gc/heap.h"
#include "gc/work_buf.h"

namespace gc {

inline bool GreyObject(GcWork& gcw, uintptr_t p) {
  const ObjectRef ref = FindObject(p);
  if (!ref || !ref.TryMark()) return false;
  gcw.CountMarked(ref.size());
  if (!ref.noscan()) {
    gcw.Put(ref.base);
  }
  return true;
}

inline void ScanObject(GcWork& gcw, const ObjectRef& ref) {
  gcw.AddScanWork(ref.size());
  ForEachPointerSlot(ref, [&gcw](uintptr_t* slot) {
    const uintptr_t v = LoadSlot(slot);
    if (v != 0) GreyObject(gcw, v);
  });
}

inline void ScanObject(GcWork& gcw, uintptr_t base) {
  ScanObject(gcw, FindObject(base));
}

}  // namespace gc

#endif  // WBBENCH_GC_SCAN_H_
