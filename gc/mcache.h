// File: gc/mcache.h
//
// The per-P allocation cache (Go's mcache) and the allocation fast path
// (Go's mallocgc).
//
// An MCache holds one span per span class.  Allocating a small object is:
// size -> class (two table loads), take the cached span, pop a free slot from
// its 64-slot cache (Go's nextFreeFast), record the object's type and write
// its heap bits (Go's heapBitsSetType, gc/heap_bits.h), and, while
// the collector marks, set the object's mark bit (allocate-black, Go's
// gcmarknewobject).  Memory comes back zeroed as Go's does: a span's slots are
// zeroed at allocation when the span says they may hold old bytes (Go's
// needzero: pages used before, or a sweep freed objects in it); pages never
// handed out are zero already.  The sweeper zeroes nothing.
// When the cached span is full, AllocSlow swaps it for another from the
// class's MCentral; objects over kMaxSmallSize get a span of their own.
//
// Threading: an MCache is used by one thread at a time (the thread running
// the P it belongs to); no locks on the fast path.  Every MCache registers
// with the Heap, which flushes all of them (ReleaseAll) at the start of each
// sweep cycle, with the world stopped.
//
// Accounting is Go's: when a span is cached, all its free slots count as
// allocated (heap live bytes and objects); ReleaseAll gives back the unused
// ones.  So heap statistics are exact whenever the caches are flushed and
// otherwise over-count by at most the cached spans.
#ifndef WBBENCH_GC_MCACHE_H_
#define WBBENCH_GC_MCACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "gc/heap_bits.h"
#include "gc/size_classes.h"
#include "gc/span.h"
#include "gc/type_descriptor.h"

namespace gc {

// Allocate-black (Go: gcphase != _GCoff, seen by mallocgc): while true, new
// objects get their mark bit at allocation.  Set by Heap::StartMark and
// cleared by Heap::StartSweep, both with the world stopped.
inline std::atomic<bool> g_allocate_black{false};

class MCache {
 public:
  MCache();   // registers with Heap::Get()
  ~MCache();  // ReleaseAll, then unregisters
  MCache(const MCache&) = delete;
  MCache& operator=(const MCache&) = delete;

  // Zeroed memory for `count` consecutive objects of `type` (an array when
  // count > 1), remembered with its type for exact scanning.  Returns nullptr
  // only if the heap limit was exceeded and the limit handler returned.
  void* Alloc(const Type& type, size_t count = 1) {
    size_t size = type.size();
    if (count != 1 && __builtin_mul_overflow(size, count, &size)) {
      size = ~size_t{0};  // AllocSlow reports it as over the heap limit.
    }
    if (ABSL_PREDICT_TRUE(size <= kMaxSmallSize)) {
      Span* s = alloc_[MakeSpanClass(SizeToClass(size), type.noscan())];
      const uint32_t index = s->NextFreeFast();
      if (ABSL_PREDICT_TRUE(index != Span::kNoFree)) {
        return InitObject(s, index, type, count, size);
      }
    }
    return AllocSlow(type, count, size);
  }

  // Go's releaseAll: returns every cached span to its MCentral and folds the
  // local counters into the heap's.  Owner thread, or the world stopped.
  void ReleaseAll();

  // The span cached for class sc (tests).
  const Span* cached_span(SpanClass sc) const { return alloc_[sc]; }

 private:
  friend class Heap;

  void* InitObject(Span* s, uint32_t index, const Type& type, size_t count,
                   size_t size) {
    const uintptr_t p = s->ObjectBase(index);
    if (s->needzero) {
      ZeroSlot(p, s->elemsize, size);
    } else {
      UnpoisonHeapMemory(p, size);
    }
    if (!s->noscan) {
      s->SetType(index, &type, count);
      SetHeapBits(p, s->elemsize, type, count);
    }
    if (g_allocate_black.load(std::memory_order_relaxed)) {
      s->TryMark(index, std::memory_order_release);  // see MarkBits::TryMark
      black_bytes_ += s->elemsize;
    }
    return reinterpret_cast<void*>(p);
  }

  // Go's memclrNoHeapPointers of a reused slot: zeroes all `elemsize`
  // bytes (under ASan, leaves the bytes past `size` poisoned).
  ABSL_ATTRIBUTE_NOINLINE static void ZeroSlot(uintptr_t p, size_t elemsize,
                                               size_t size);
  ABSL_ATTRIBUTE_NOINLINE void* AllocSlow(const Type& type, size_t count,
                                          size_t size);
  ABSL_ATTRIBUTE_NOINLINE void* AllocLarge(const Type& type, size_t count,
                                           size_t size);
  // Go's refill: replaces the full span of class sc; false if the heap limit
  // handler returned.
  bool Refill(SpanClass sc);
  // Drops every span without returning it (Heap::Init discards the heap).
  void Forget();
  void FlushCounters();

  Span* alloc_[kNumSpanClasses];
  size_t black_bytes_ = 0;  // allocated black, not yet added to the heap's.
  MCache* next_ = nullptr;  // Heap's registry of caches.
  MCache* prev_ = nullptr;
};

}  // namespace gc

#endif  // WBBENCH_GC_MCACHE_H_
