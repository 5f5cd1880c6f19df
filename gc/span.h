// File: gc/span.h
//
// Spans (Go's mspan): a run of pages holding objects of one span class, or
// one large object.
//
// A small span is cut into `nelems` slots of `elemsize` bytes.  The object
// index of an address is computed with the class's divMagic multiply
// (gc/size_classes.h), never a division.  Each span carries:
//  - allocation bits (which slots were live after the last sweep) plus Go's
//    free_index / alloc_cache cursor for the allocation fast path;
//  - mark bits (gc/mark_bits.h), set atomically by the marker, the barriers
//    and allocate-black, reached through a pointer (Go's gcmarkBits) into
//    the page heap's MarkBitsArena: a Span the page heap made has them for
//    its life;
//  - for scan spans, the type of its objects so the marker scans exactly
//    (gc/heap.h, ForEachPointerSlot).  Almost every span holds objects of one
//    type (count 1): then `elem_type` names it, and the marker reads it from
//    the span it already holds.  The first object of another type or count
//    turns the span mixed: a side table with each object's type and count is
//    filled in and published in `types`, and the span stays mixed until it
//    is freed.  (A per-object table in every span cost the marker one cache
//    miss per object: a third of BM_MarkThroughput's time.)
//  - a sweep generation (Go's mspan.sweepgen), relative to the heap's sg:
//      sweepgen == sg - 2: needs sweeping;  sg - 1: being swept;
//      sweepgen == sg: swept, ready;  sg + 3: swept and cached by an mcache.
//    (Every mcache is flushed when a sweep cycle starts, so Go's sg + 1
//    state, "cached before the sweep began", never arises here.)
//
// Ownership: the geometry fields (base .. noscan) are written before the
// span is published in the page table and then only read, by any thread.
// Allocation state (free_index, alloc_cache, alloc_count, alloc_bits) belongs
// to whoever holds the span: the mcache that cached it, the MCentral lock, or
// the sweeper that moved sweepgen to sg - 1.  Type information is written by
// the allocating thread before the object is published and read by the
// marker; it is atomic so the two never race.  The marker scans only objects
// allocated before the mark began (later ones are allocated black), so the
// stop-the-world start orders their type before the scan.  A span that turns
// mixed during marking fills its table before publishing it (release; the
// marker loads `types` with acquire), so an older object reads the same type
// either way.
#ifndef WBBENCH_GC_SPAN_H_
#define WBBENCH_GC_SPAN_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "gc/arena.h"
#include "gc/mark_bits.h"
#include "gc/size_classes.h"
#include "gc/type_descriptor.h"

namespace gc {

// What the heap remembers about one object in a mixed scan span.
struct ObjectType {
  std::atomic<const Type*> type{nullptr};
  std::atomic<size_t> count{0};  // array elements (1 for a plain object).
};

// An object's type as the marker reads it.
struct TypeAndCount {
  const Type* type;  // nullptr: nothing to scan.
  size_t count;      // array elements.
};

enum class SpanState : uint8_t { kFree, kInUse };

struct Span {
  // NextFreeFast's answer when the fast path cannot allocate.
  static constexpr uint32_t kNoFree = ~uint32_t{0};

  // Geometry: immutable while the span is in use.
  uintptr_t base = 0;
  size_t npages = 0;
  uintptr_t limit = 0;     // base + nelems * elemsize: end of the last slot.
  size_t elemsize = 0;     // slot size (large: npages * kPageSize).
  uint32_t nelems = 0;     // slots (large: 1).
  uint32_t div_magic = 0;  // kClassDivMagic of the class (large: 0).
  SpanClass spanclass = 0;
  bool noscan = false;
  SpanState state = SpanState::kFree;
  // Go's mspan.needzero: free slots may hold a freed object's bytes, so
  // allocation zeroes each object.  Set by the page heap (pages used before)
  // and by a sweep that freed something; owner only.
  bool needzero = false;

  std::atomic<uint32_t> sweepgen{0};

  // Allocation state (see the ownership note above).
  uint32_t free_index = 0;   // slots below it are allocated.
  uint32_t alloc_count = 0;  // allocated slots.
  uint64_t alloc_cache = 0;  // ~alloc_bits from free_index to the next word.
  AllocBits alloc_bits;
  MarkBits* mark_bits = nullptr;  // Go's gcmarkBits (see the header).
  // Scan spans: the type of every object allocated here while all of them
  // have this type and count 1; nullptr before the first allocation.
  std::atomic<const Type*> elem_type{nullptr};
  // Mixed scan spans: nelems entries; nullptr while the span is uniform.
  std::atomic<ObjectType*> types{nullptr};
  ObjectType large_type;  // `types` of a mixed large span points here.

  Span* next = nullptr;  // link in an MCentral list or the page heap's pool.

  bool is_large() const { return SpanClassSize(spanclass) == 0; }

  // Object index of an address inside [base, limit).
  uint32_t ObjectIndex(uintptr_t p) const {
    return static_cast<uint32_t>((uint64_t{p - base} * div_magic) >> 32);
  }
  uintptr_t ObjectBase(uint32_t index) const { return base + index * elemsize; }

  // Sets the mark bit of slot `index`; true if this call set it.  The first
  // mark of the cycle in the span also sets its page mark (gc/arena.h).
  bool TryMark(uint32_t index,
               std::memory_order order = std::memory_order_relaxed) {
    if (!mark_bits->TryMark(index, order)) return false;
    SetPageMark(base);
    return true;
  }
  bool IsMarked(uint32_t index,
                std::memory_order order = std::memory_order_relaxed) const {
    return mark_bits->IsMarked(index, order);
  }

  // Whether slot `index` is free (Go's isFree).  Only for the span's owner or
  // with the world stopped.
  bool IsFree(uint32_t index) const {
    return index >= free_index && !alloc_bits.Get(index);
  }

  // Type and element count of the object containing address p, which lies
  // in [base, limit) (nullptr in noscan spans and for freed slots of mixed
  // spans).  Any thread.
  TypeAndCount TypeAt(uintptr_t p) const {
    const ObjectType* t = types.load(std::memory_order_acquire);
    if (t == nullptr) return {elem_type.load(std::memory_order_relaxed), 1};
    const ObjectType& e = t[ObjectIndex(p)];
    return {e.type.load(std::memory_order_relaxed),
            e.count.load(std::memory_order_relaxed)};
  }
  // Records the type of a new object in slot `index` (the span's owner).
  void SetType(uint32_t index, const Type* type, size_t count) {
    if (count == 1 && types.load(std::memory_order_relaxed) == nullptr) {
      const Type* e = elem_type.load(std::memory_order_relaxed);
      if (e == type) return;
      if (e == nullptr) {  // the span's first object
        elem_type.store(type, std::memory_order_relaxed);
        return;
      }
    }
    SetTypeMixed(index, type, count);
  }
  // Forgets the type of the freed object in slot `index` (the sweeper).  A
  // uniform span keeps its type: nothing scans a free slot, and allocation
  // writes the type of the next object (and zeroes the slot) before anyone
  // can reach it.
  void ClearType(uint32_t index) {
    if (ObjectType* t = types.load(std::memory_order_relaxed)) {
      t[index].type.store(nullptr, std::memory_order_relaxed);
      t[index].count.store(0, std::memory_order_relaxed);
    }
  }

  // Go's nextFreeFast: the next free slot from the 64-slot alloc cache, or
  // kNoFree when the cache is empty or the cursor reaches a word boundary
  // (NextFreeIndex refills).  Counts the slot as allocated.
  uint32_t NextFreeFast() {
    if (alloc_cache == 0) return kNoFree;
    const uint32_t bit = static_cast<uint32_t>(__builtin_ctzll(alloc_cache));
    const uint32_t result = free_index + bit;
    if (result >= nelems) return kNoFree;
    const uint32_t next_index = result + 1;
    if (next_index % 64 == 0 && next_index != nelems) return kNoFree;
    alloc_cache = (alloc_cache >> bit) >> 1;  // bit + 1 may be 64.
    free_index = next_index;
    ++alloc_count;
    return result;
  }

  // Go's nextFreeIndex: the next free slot, refilling the alloc cache;
  // returns nelems if the span is full.  Does not count the slot.
  uint32_t NextFreeIndex();

  // Loads alloc_cache with the inverted allocation bits of word `word`.
  void RefillAllocCache(uint32_t word) {
    alloc_cache = ~alloc_bits.words[word];
  }

  // Makes a fresh span of class `sc` over [base, base + npages pages): empty
  // bits, allocation cursor at 0, no type yet.  Only for a span not yet
  // published in the page table.
  void InitForClass(SpanClass sc);
  // Releases the type table; the span goes back to the page heap.
  void ReleaseMetadata();
  // SetType's slow path: makes the span mixed (once) and records the entry.
  void SetTypeMixed(uint32_t index, const Type* type, size_t count);
  // Marked objects (owner or world stopped).
  uint32_t CountMarked() const { return mark_bits->Count(nelems); }
};

// The span every empty mcache slot points at (Go's emptymspan): nelems == 0,
// so both allocation paths fail on it without a null check.
extern Span g_empty_span;

}  // namespace gc

#endif  // WBBENCH_GC_SPAN_H_
