// File: gc/globals.cc
//
// Range allocation in the globals area; see globals.h.
#include "gc/globals.h"

#include <cstdio>
#include <cstdlib>

namespace gc {

Globals& Globals::Get() {
  static Globals* globals = new Globals();  // never destroyed: outlives users
  return *globals;
}

size_t Globals::Allocate(size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t run = 0;
  for (size_t i = 0; i < kGlobalSlots; ++i) {
    run = used_[i] ? 0 : run + 1;
    if (run == n) {
      size_t first = i + 1 - n;
      for (size_t j = first; j <= i; ++j) {
        used_[j] = true;
        std::atomic_ref<uintptr_t>(slots_[j]).store(0,
                                                    std::memory_order_relaxed);
      }
      if (i + 1 > high_water_.load(std::memory_order_relaxed)) {
        high_water_.store(i + 1, std::memory_order_release);
      }
      return first;
    }
  }
  std::fprintf(stderr, "wbbench: globals area exhausted (%zu slots asked)\n",
               n);
  std::abort();
}

void Globals::Free(size_t first, size_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t j = first; j < first + n; ++j) {
    std::atomic_ref<uintptr_t>(slots_[j]).store(0, std::memory_order_relaxed);
    used_[j] = false;
  }
}

}  // namespace gc
