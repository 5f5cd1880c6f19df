// File: barriers/unbuffered_barrier.h
//
// The unbuffered barrier (Go 1.9's writebarrierptr), as the call site a
// workload inlines.
//
// Go 1.9 compiled `*slot = value` under the barrier into an ordinary call of
// writebarrierptr(slot, value) under ABI0: arguments in the caller's frame,
// no callee-saved registers, so every value live across the call is spilled
// and reloaded.  The call site models exactly that: it pushes the two
// arguments, calls an assembly entry that follows the same convention, and
// tells the compiler that every general register but rsp and rbp (the frame
// pointer, preserved by every ABI) and xmm0-15 are clobbered.  The callee
// (unbuffered_barrier.cc) acquires the M, switches to the thread's system
// stack, shades at once (no buffer) what the algorithm says, switches back,
// releases the M and stores.
//
// The entry symbol is per algorithm (wbbench_writebarrierptr_kHybrid, ...):
// the algorithm is part of the static policy type, so nothing is decided at
// run time on the way in.
#ifndef WBBENCH_BARRIERS_UNBUFFERED_BARRIER_H_
#define WBBENCH_BARRIERS_UNBUFFERED_BARRIER_H_

#include <cstddef>
#include <cstdint>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "barriers/bulk_barrier.h"

namespace barriers {

template <Algorithm A>
struct UnbufferedBarrier {
  static constexpr BarrierKind kKind = BarrierKind::kUnbuffered;
  static constexpr Algorithm kAlgorithm = A;

  // The barrier and the store; only while gc::write_barrier_enabled.
  static void Write(uintptr_t* slot, uintptr_t value) {
#define WBBENCH_ABI0_CALL(e, name, old, nw, policy, doc)                      \
  if constexpr (A == Algorithm::e) {                                          \
    asm volatile(                                                             \
        "push %%rax\n\t"                                                      \
        "push %%rdi\n\t"                                                      \
        "call wbbench_writebarrierptr_" #e                                    \
        "\n\t"                                                                \
        "add $16, %%rsp"                                                      \
        : "+D"(slot), "+a"(value)                                             \
        :                                                                     \
        : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "r12", "r13", \
          "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5",       \
          "xmm6", "xmm7", "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", \
          "xmm14", "xmm15", "memory", "cc");                                  \
  }
    WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ABI0_CALL)
#undef WBBENCH_ABI0_CALL
  }

  static void BulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n) {
    UnbufferedBulkPreWrite<A>(dst, src, n);
  }
};

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_UNBUFFERED_BARRIER_H_
