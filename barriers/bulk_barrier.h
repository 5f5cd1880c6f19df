// File: barriers/bulk_barrier.h
//
// The barrier for copying n pointer slots at once (Go's bulkBarrierPreWrite,
// run before typedmemmove/typedslicecopy): every destination slot gets the
// barrier its algorithm needs, for the old value it holds and the new value
// about to be copied in, and then the caller copies.  One call per copy, so
// the per-copy work (finding the P, the loop) lives out of line here.
//
// Buffered kinds (buffered, cgocheck, batched) put the entries into the P's
// buffer with C++ stores, keeping the buffer's invariant (gc/runtime.h,
// WbBuf): flush first when an entry does not fit (the batched barrier may
// leave the buffer full), and flush when an entry fills it, passing the slot
// and value of the pointer that filled it, so that cgocheck checks every
// copied pointer.  The unbuffered barrier shades at once on the system
// stack, as its single stores do.
//
// Callers: the copy helper in barriers/call_site.h, only while
// gc::write_barrier_enabled, on the thread that holds the P; the destination
// is a heap object or the globals area (stacks take no barrier).
#ifndef WBBENCH_BARRIERS_BULK_BARRIER_H_
#define WBBENCH_BARRIERS_BULK_BARRIER_H_

#include <cstddef>
#include <cstdint>

#include "barriers/algorithm.h"

namespace barriers {

// Defined out of line for every algorithm (bulk_barrier.cc and
// unbuffered_barrier.cc instantiate them from WBBENCH_FOR_EACH_ALGORITHM).
template <Algorithm A>
void BufferedBulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n);
template <Algorithm A>
void UnbufferedBulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n);

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BULK_BARRIER_H_
