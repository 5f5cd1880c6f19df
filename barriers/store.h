// File: barriers/store.h
//
// The plain pointer store and load every barrier ends with.  Slots are
// plain words that the marker reads concurrently with relaxed atomic loads
// (gc/shadow_stack.h, gc/globals.h); storing with a relaxed atomic store keeps
// the accesses race-free for ThreadSanitizer and compiles to one `mov`, the
// same instruction a plain store is.
#ifndef WBBENCH_BARRIERS_STORE_H_
#define WBBENCH_BARRIERS_STORE_H_

#include <atomic>
#include <cstdint>

namespace barriers {

inline void StorePlain(uintptr_t* slot, uintptr_t value) {
  std::atomic_ref<uintptr_t>(*slot).store(value, std::memory_order_relaxed);
}

inline uintptr_t LoadPlain(const uintptr_t* slot) {
  return std::atomic_ref<uintptr_t>(*const_cast<uintptr_t*>(slot))
      .load(std::memory_order_relaxed);
}

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_STORE_H_
