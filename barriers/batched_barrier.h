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
    register uintptr_t* r11 asm("r11");
    asm volatile("call *%[fn]"
                 : "=r"(r11)
                 : [fn] "m"(internal::jit_entry[static_cast<size_t>(
                     kKind)][static_cast<size_t>(A)])
                 : "memory", "cc");
    // A local register variable is pinned to its register only as an asm
    // operand, and GCC does not save it across calls: r11 is call-clobbered,
    // so copy the entry's address out at once.  Left in r11, it was lost
    // across the calls that the tls_g load below compiles to under
    // ThreadSanitizer (the TLS wrapper, __tsan_atomic8_load), and the entry
    // was written through a garbage pointer.
    uintptr_t* const entry = r11;
    RecordStore<A>(slot, value, entry);
    StorePlain(slot, value);
  }

  static void BulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n) {
    BufferedBulkPreWrite<A>(dst, src, n);
  }
};

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BATCHED_BARRIER_H_
