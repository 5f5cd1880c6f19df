// File: gc/arena.h
//
// The managed heap's address space (Go's heapArena and mheap_.arenas).
//
// The heap reserves address space in 64 MiB arenas with mmap and divides it
// into 8 KiB pages.  Every arena has a page-to-span table: one Span* per page,
// non-null exactly for the pages of in-use spans.  A process-wide table,
// indexed by `address >> kArenaShift`, maps each 64 MiB of the (47-bit) user
// address space to its arena's metadata or nullptr.  So SpanOf(p) is a bounds
// compare and two dependent loads, which is what FindObject (gc/heap.h) and
// through it every barrier slow path pay.
//
// Invariants:
//  - g_arena_table entries go from nullptr to an arena and stay until
//    ReleaseAllArenas (test teardown, no other thread running).
//  - A page's entry is published (release) only after its span's metadata is
//    final, and cleared when the span is freed; readers load with acquire.
//    Spans are freed only by the sweeper, which never runs concurrently with
//    marking, so a marker that read a Span* may use it until mark
//    termination.
//  - Free pages (owned by the page heap) are poisoned under ASan; those never
//    handed out (at or past their arena's zeroed_base) are zero.
//
// Callers: PageHeap (gc/page_heap.h) reserves arenas and maintains the page
// table under its lock; anyone may call SpanOf.
#ifndef WBBENCH_GC_ARENA_H_
#define WBBENCH_GC_ARENA_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace gc {

struct Span;

// Go's _PageShift: 8 KiB pages.  The unit of span sizes and of the
// page-to-span table; small enough that one-page spans waste little for the
// size classes up to 1 KiB, large enough that the table stays 1/1024 of the
// heap.
inline constexpr size_t kPageShift = 13;
inline constexpr size_t kPageSize = size_t{1} << kPageShift;

// Go's heapArenaBytes on 64-bit Linux: 64 MiB per arena.  Metadata per arena
// (the page table) is 64 KiB; arenas are the unit of mmap and of growth.
inline constexpr size_t kArenaShift = 26;
inline constexpr size_t kArenaSize = size_t{1} << kArenaShift;
inline constexpr size_t kPagesPerArena = kArenaSize / kPageSize;

// x86-64 user space ends below 2^47 (4-level paging; the heap never passes a
// hint above it), so the arena table has 2^21 entries (16 MiB of BSS, only
// the touched pages of which cost memory).
inline constexpr size_t kHeapAddrBits = 47;
inline constexpr size_t kArenaTableSize = size_t{1}
                                          << (kHeapAddrBits - kArenaShift);

// Metadata of one arena (Go's heapArena.spans and heapArena.pageMarks).
//
// page_marks: one bit per page, of which only a span's first page's is used
// (Go 1.19's pageMarks): set, atomically and only if clear, when an object
// of the span is marked (Span::TryMark: the marker, the barriers' shading,
// black allocation, the verifier); cleared for every arena when a cycle
// starts, after the last sweep finished (ClearPageMarks, world stopped);
// read by the sweeper, which never runs during marking, so its plain reads
// race with no writer.  A span whose bit is clear has no marked object: the
// sweep frees it without reading its mark bits (Go's mheap.reclaim finds
// such spans by pageInUse &^ pageMarks).
//
// heap_bits: the heap bitmap (gc/heap_bits.h), one bit per heap word.
//
// scavenged: one bit per page, set while the page is free and its memory was
// returned to the kernel (madvise(MADV_DONTNEED): the next touch faults in a
// zero page), as Go's pageAlloc.scav.  A new arena starts all scavenged (never
// touched).  Only the page heap reads or writes it, under its lock.
struct HeapArena {
  std::atomic<Span*> spans[kPagesPerArena];
  std::atomic<uint8_t> page_marks[kPagesPerArena / 8];
  uint64_t scavenged[kPagesPerArena / 64];
  // Go's heapArena.zeroedBase: the arena's pages from this offset on were
  // never handed out, so they are still zero.  Page heap lock.
  uintptr_t zeroed_base;
  std::atomic<uint64_t> heap_bits[kArenaSize / 8 / 64];
};

// Indexed by address >> kArenaShift.  Defined in arena.cc.
extern std::atomic<HeapArena*> g_arena_table[kArenaTableSize];

// The in-use span containing address p, or nullptr (not heap, or free pages).
inline Span* SpanOf(uintptr_t p) {
  const uintptr_t ai = p >> kArenaShift;
  if (ai >= kArenaTableSize) return nullptr;
  HeapArena* arena = g_arena_table[ai].load(std::memory_order_acquire);
  if (arena == nullptr) return nullptr;
  return arena->spans[(p >> kPageShift) & (kPagesPerArena - 1)].load(
      std::memory_order_acquire);
}

// Go's pageIndexOf(span.base()) and the atomic.Or8 after it: marks the span
// that starts at `span_base` as holding a marked object.
inline void SetPageMark(uintptr_t span_base) {
  HeapArena* arena =
      g_arena_table[span_base >> kArenaShift].load(std::memory_order_relaxed);
  const size_t page = (span_base >> kPageShift) & (kPagesPerArena - 1);
  const uint8_t mask = static_cast<uint8_t>(1u << (page % 8));
  std::atomic<uint8_t>& byte = arena->page_marks[page / 8];
  if ((byte.load(std::memory_order_relaxed) & mask) == 0) {
    byte.fetch_or(mask, std::memory_order_relaxed);
  }
}

// Whether the span starting at `span_base` had an object marked this cycle
// (sweeper; no marking runs).
inline bool PageMarked(uintptr_t span_base) {
  HeapArena* arena =
      g_arena_table[span_base >> kArenaShift].load(std::memory_order_relaxed);
  const size_t page = (span_base >> kPageShift) & (kPagesPerArena - 1);
  return (arena->page_marks[page / 8].load(std::memory_order_relaxed) >>
          (page % 8)) &
         1;
}

// Clears every arena's page marks (Go's gcResetMarkState).  At cycle start,
// world stopped, sweep finished.
void ClearPageMarks();

// SpanOf for an address known to lie in an in-use span, such as a gray
// object's base (Go's spanOfUnchecked): no bounds or null checks.
inline Span* SpanOfHeap(uintptr_t p) {
  HeapArena* arena =
      g_arena_table[p >> kArenaShift].load(std::memory_order_acquire);
  return arena->spans[(p >> kPageShift) & (kPagesPerArena - 1)].load(
      std::memory_order_acquire);
}

// Reserves `n` contiguous arenas (read-write, zero, lazily backed), aligned
// to kArenaSize, registers them in g_arena_table and returns their base.
// Returns 0 if the kernel refuses.  Caller holds the page heap lock.
uintptr_t ReserveArenas(size_t n);

// Sets the page-to-span entries of pages [base, base + npages * kPageSize) to
// `s` (nullptr clears).  The pages must lie in reserved arenas.
void SetSpanPages(uintptr_t base, size_t npages, Span* s);

// Unmaps every arena and clears g_arena_table.  No other thread may touch the
// heap.  Used by Heap::Init to give each test a fresh heap.
void ReleaseAllArenas();

// Bytes of address space reserved so far.
size_t ReservedArenaBytes();

// Under AddressSanitizer, free heap memory is poisoned so that a use after
// sweep is reported; allocation unpoisons exactly the bytes requested.
// Without ASan these compile to nothing.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kHeapPoisoning = true;
void PoisonHeapMemory(uintptr_t p, size_t n);
void UnpoisonHeapMemory(uintptr_t p, size_t n);
#else
inline constexpr bool kHeapPoisoning = false;
inline void PoisonHeapMemory(uintptr_t, size_t) {}
inline void UnpoisonHeapMemory(uintptr_t, size_t) {}
#endif

}  // namespace gc

#endif  // WBBENCH_GC_ARENA_H_
