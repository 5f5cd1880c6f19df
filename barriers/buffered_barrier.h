// File: barriers/buffered_barrier.h
//
// The buffered barrier (Go 1.10's gcWriteBarrier) and cgocheck (Go's
// cgocheck=2), as the call sites a workload inlines.
//
// The call site is one `call` into generated code (barriers/barrier_jit.h)
// with the slot in rdi and the value in rax.  The generated code records the
// store in the P's buffer, flushes when the buffer is full and does the
// store itself; it preserves every register, so the asm statement's only
// clobbers are memory and the flags and the compiler keeps all its values in
// registers across it.  That is the design's point: the caller spills
// nothing.  The call pushes a return address below rsp, which would land in
// a leaf function's red zone: the project is built with -mno-red-zone.
//
// cgocheck is the same call site and the same generated code; what differs
// is where the installed configuration puts the buffer's end (one entry past
// its start, so every store flushes and is checked).
//
// What the store records is fixed by the algorithm A: hybrid [value, old],
// hybrid-cond [value or nil once the G's stack is black, old], dijkstra
// [value], yuasa [old].
#ifndef WBBENCH_BARRIERS_BUFFERED_BARRIER_H_
#define WBBENCH_BARRIERS_BUFFERED_BARRIER_H_

#include <cstddef>
#include <cstdint>

#include "barriers/algorithm.h"
#include "barriers/barrier_jit.h"
#include "barriers/barrier_kind.h"
#include "barriers/bulk_barrier.h"

namespace barriers {

// The call into the generated code of kind K (whose JitCode is kBuffered).
template <BarrierKind K, Algorithm A>
struct BufferedCall {
  static_assert(TraitsOf(K).jit == JitCode::kBuffered);
  static constexpr BarrierKind kKind = K;
  static constexpr Algorithm kAlgorithm = A;

  // The barrier and the store; only while gc::write_barrier_enabled.
  static void Write(uintptr_t* slot, uintptr_t value) {
    internal::CallStoreEntry<K, A>(slot, value);
  }

  static void BulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n) {
    BufferedBulkPreWrite<A>(dst, src, n);
  }
};

template <Algorithm A>
using BufferedBarrier = BufferedCall<BarrierKind::kBuffered, A>;
template <Algorithm A>
using CgocheckBarrier = BufferedCall<BarrierKind::kCgocheck, A>;

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BUFFERED_BARRIER_H_
