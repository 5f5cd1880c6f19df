// File: gc/arena.cc
//
// Arena reservation and the page-to-span table (see gc/arena.h).
#include "gc/arena.h"

#include <sys/mman.h>

#include <vector>

#include "gc/card_table.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace gc {

std::atomic<HeapArena*> g_arena_table[kArenaTableSize];

namespace {

// One mmap reservation: its (aligned) base and arena count.  Touched only
// under the page heap lock or with the heap otherwise idle.
struct Reservation {
  uintptr_t base;
  size_t arenas;
};
std::vector<Reservation>& Reservations() {
  static auto* r = new std::vector<Reservation>();
  return *r;
}

}  // namespace

uintptr_t ReserveArenas(size_t n) {
  const size_t bytes = n * kArenaSize;
  // Over-reserve by one arena, then trim to kArenaSize alignment.
  void* raw = mmap(nullptr, bytes + kArenaSize, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return 0;
  const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t base = (start + kArenaSize - 1) & ~(kArenaSize - 1);
  if (base > start) munmap(raw, base - start);
  const uintptr_t end = base + bytes;
  if (start + bytes + kArenaSize > end) {
    munmap(reinterpret_cast<void*>(end), start + bytes + kArenaSize - end);
  }
  if ((end - 1) >> kArenaShift >= kArenaTableSize) {
    munmap(reinterpret_cast<void*>(base), bytes);
    return 0;
  }
  for (size_t i = 0; i < n; ++i) {
    g_arena_table[(base >> kArenaShift) + i].store(new HeapArena(),
                                                   std::memory_order_release);
  }
  Reservations().push_back({base, n});
  // Heap slots take the barrier: the cardmark barrier dirties their cards.
  CoverCards(base, end);
  PoisonHeapMemory(base, bytes);
  return base;
}

void SetSpanPages(uintptr_t base, size_t npages, Span* s) {
  for (uintptr_t p = base; p < base + npages * kPageSize; p += kPageSize) {
    HeapArena* arena =
        g_arena_table[p >> kArenaShift].load(std::memory_order_relaxed);
    arena->spans[(p >> kPageShift) & (kPagesPerArena - 1)].store(
        s, std::memory_order_release);
  }
}

void ReleaseAllArenas() {
  for (const Reservation& r : Reservations()) {
    for (size_t i = 0; i < r.arenas; ++i) {
      delete g_arena_table[(r.base >> kArenaShift) + i].exchange(
          nullptr, std::memory_order_acq_rel);
    }
    UnpoisonHeapMemory(r.base, r.arenas * kArenaSize);
    munmap(reinterpret_cast<void*>(r.base), r.arenas * kArenaSize);
  }
  Reservations().clear();
}

void ClearPageMarks() {
  for (const Reservation& r : Reservations()) {
    for (size_t i = 0; i < r.arenas; ++i) {
      HeapArena* arena = g_arena_table[(r.base >> kArenaShift) + i].load(
          std::memory_order_relaxed);
      for (std::atomic<uint8_t>& b : arena->page_marks) {
        b.store(0, std::memory_order_relaxed);
      }
    }
  }
}

size_t ReservedArenaBytes() {
  size_t n = 0;
  for (const Reservation& r : Reservations()) n += r.arenas * kArenaSize;
  return n;
}

#if defined(__SANITIZE_ADDRESS__)
void PoisonHeapMemory(uintptr_t p, size_t n) {
  ASAN_POISON_MEMORY_REGION(reinterpret_cast<void*>(p), n);
}
void UnpoisonHeapMemory(uintptr_t p, size_t n) {
  ASAN_UNPOISON_MEMORY_REGION(reinterpret_cast<void*>(p), n);
}
#endif

}  // namespace gc
