// File: barriers/batched_barrier.h
//
// The batched barrier (Go 1.21's gcWriteBarrier2), as the call site a
// workload inlines.  The generated code only reserves the entry in the P's
// buffer (flushing first if it does not fit) and returns its address in r11;
// the call site writes what the algorithm records and does the store.  Go
// moved the writes to the caller so that one call can reserve room for
// several stores; here each store reserves its own entry.
//
// The asm statement's clobbers are r11 (its output), memory and the flags.
#ifndef WBBENCH_BARRIERS_BATCHED_BARRIER_H_
#define WBBENCH_BARRIERS_BATCHED_BARRIER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "barriers/algorithm.h"
#include "barriers/barrier_jit.h"
#include "barriers/barrier_kind.h"
#include "barriers/bulk_barrier.h"
#include "barriers/store.h"
#include "gc/runtime.h"

namespace barriers {

template <Algorithm A>
struct BatchedBarrier {
  static constexpr BarrierKind kKind = BarrierKind::kBatched;
  static constexpr Algorithm kAlgorithm = A;

  // The barrier and the store; only while gc::write_barrier_enabled.
  static void Write(uintptr_t* slot, uintptr_t value) {
    register uintptr_t* entry asm("r11");
    asm volatile("call *%[fn]"
                 : "=r"(entry)
                 : [fn] "m"(internal::batched_entry[static_cast<size_t>(A)])
                 : "memory", "cc");
    if constexpr (A == Algorithm::kHybrid) {
      entry[0] = value;
      entry[1] = LoadPlain(slot);
    } else if constexpr (A == Algorithm::kHybridCond) {
      bool black = gc::tls_g->stack_black.load(std::memory_order_relaxed);
      entry[0] = black ? 0 : value;
      entry[1] = LoadPlain(slot);
    } else if constexpr (A == Algorithm::kDijkstra) {
      entry[0] = value;
    } else {
      static_assert(A == Algorithm::kYuasa);
      entry[0] = LoadPlain(slot);
    }
    StorePlain(slot, value);
  }

  static void BulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n) {
    BufferedBulkPreWrite(A, dst, src, n);
  }
};

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BATCHED_BARRIER_H_
