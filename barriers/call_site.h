// File: barriers/call_site.h
//
// The store a compiler would emit for a pointer store into a heap object or
// a global, for a workload templated on a barrier policy type B (one of the
// types in barriers/registry.h):
//
//   if (write_barrier_enabled) B::Write(slot, value);  // barrier + store
//   else *slot = value;
//
// Everything is inline: the enabled test is one `cmpb $0, mem` and a branch,
// and B::Write is the barrier's own call sequence (an asm `call`, or a plain
// store for `none`, which skips the test).  There is no virtual call or
// function pointer on the way; the barrier's call itself is the only
// out-of-line step.
//
// Stores into shadow-stack slots take no barrier (Root::Set), as in Go.
//
// Memory ordering: the enabled byte is read relaxed; it changes only with
// the world stopped, and the pause orders it with the mutator.
#ifndef WBBENCH_BARRIERS_CALL_SITE_H_
#define WBBENCH_BARRIERS_CALL_SITE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "barriers/barrier_kind.h"
#include "barriers/store.h"
#include "gc/runtime.h"

namespace barriers {

inline bool WriteBarrierEnabled() {
  return gc::write_barrier_enabled.load(std::memory_order_relaxed) != 0;
}

// *slot = value, with B's barrier while it is enabled.  Returns whether the
// barrier ran, so workloads can count barriered stores without testing the
// enabled byte twice (the result folds into the branch already taken).
template <class B>
inline bool WritePointer(uintptr_t* slot, uintptr_t value) {
  if constexpr (B::kKind == BarrierKind::kNone) {
    StorePlain(slot, value);
    return false;
  } else if (WriteBarrierEnabled()) {
    B::Write(slot, value);
    return true;
  } else {
    StorePlain(slot, value);
    return false;
  }
}

// The same for a typed field: `WritePointer<B>(&node->left, child)`.
template <class B, class T>
inline bool WritePointer(T** slot, T* value) {
  return WritePointer<B>(reinterpret_cast<uintptr_t*>(slot),
                         reinterpret_cast<uintptr_t>(value));
}

// memmove of n pointer slots from src to dst (Go's typedmemmove for a
// pointer array): the bulk barrier over the destination first, then the
// copy, word by word, in the direction that tolerates overlap.  Returns
// whether the bulk barrier ran.
template <class B>
inline bool CopyPointers(uintptr_t* dst, const uintptr_t* src, size_t n) {
  bool barriered = false;
  if constexpr (B::kKind != BarrierKind::kNone) {
    barriered = WriteBarrierEnabled();
    if (barriered) B::BulkPreWrite(dst, src, n);
  }
  if (dst <= src) {
    for (size_t i = 0; i < n; ++i) StorePlain(&dst[i], LoadPlain(&src[i]));
  } else {
    for (size_t i = n; i-- > 0;) StorePlain(&dst[i], LoadPlain(&src[i]));
  }
  return barriered;
}

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_CALL_SITE_H_
