// File: gc/globals.cc
//
// Range allocation in the globals area; see globals.h.
#include "gc/globals.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "gc/card_table.h"
#include "gc/collector.h"
#include "gc/runtime.h"
#include "gc/shade.h"

namespace gc {
namespace {

// Freed slots shaded per ShadeBatch.
constexpr size_t kFreeChunk = 256;

}  // namespace

Globals& Globals::Get() {
  static Globals* globals = [] {
    auto* g = new Globals();  // never destroyed: outlives users
    // Slots here take the barrier: the cardmark barrier dirties their cards.
    const auto lo = reinterpret_cast<uintptr_t>(&g->slots_[0]);
    CoverCards(lo, lo + sizeof(g->slots_));
    return g;
  }();
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
  // Zeroing the range deletes every pointer it holds: while a cycle marks,
  // shade them as a barriered store of nil would under a deletion barrier
  // (for an insertion-only barrier it is merely conservative).
  G* g = tls_g;
  P* p = g == nullptr ? nullptr : g->m->p;
  if (p != nullptr && p->collector != nullptr &&
      p->collector->phase() != GcPhase::kOff) {
    uintptr_t old[kFreeChunk];
    for (size_t i = 0; i < n; i += kFreeChunk) {
      const size_t m = std::min(kFreeChunk, n - i);
      for (size_t j = 0; j < m; ++j) old[j] = Load(first + i + j);
      ShadeBatch(p, old, m, 1);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t j = first; j < first + n; ++j) {
    std::atomic_ref<uintptr_t>(slots_[j]).store(0, std::memory_order_relaxed);
    used_[j] = false;
  }
}

}  // namespace gc
