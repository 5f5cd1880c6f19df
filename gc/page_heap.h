// File: gc/page_heap.h
//
// The page heap (the page-allocation half of Go's mheap): hands out runs of
// pages as spans and takes them back, growing by whole arenas.
//
// Free pages are kept as address-ordered runs, coalesced on free, and
// allocated first-fit from the lowest address (Go's page allocator also
// prefers low addresses, which keeps the heap compact).  When no run is big
// enough the heap reserves more arenas (gc/arena.h).  Span objects are
// recycled through a pool and never deleted until Reset, so a Span* read
// from the page table stays a valid object.
//
// Invariants: free pages are zero (and poisoned under ASan); a span returned
// by Alloc is not yet in the page table (the caller initialises it, then
// calls Publish); Free clears its page-table entries first.
//
// Locking: one std::mutex; callers hold no other heap lock.
#ifndef WBBENCH_GC_PAGE_HEAP_H_
#define WBBENCH_GC_PAGE_HEAP_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "gc/span.h"

namespace gc {

class PageHeap {
 public:
  // A span over `npages` zero pages with base and npages set, state kInUse,
  // not published; nullptr if the address space cannot grow.
  Span* Alloc(size_t npages);
  // Makes FindObject see the span (after InitForClass).
  void Publish(Span* s);
  // Returns the span's pages, which must be zero, and recycles the Span.
  void Free(Span* s);

  // Calls f(Span*) for every in-use span.  World stopped (reads span state
  // other threads may change).
  template <typename F>
  void ForEachInUseSpan(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& s : all_spans_) {
      if (s->state == SpanState::kInUse) f(s.get());
    }
  }

  size_t spans_in_use() const;
  size_t free_pages() const;

  // Unmaps everything and forgets every span (Heap::Init).
  void Reset();

 private:
  bool Grow(size_t npages);

  mutable std::mutex mu_;
  std::map<uintptr_t, size_t> free_runs_;  // base->pages
  size_t free_pages_ = 0;
  std::vector<std::unique_ptr<Span>> all_spans_;
  Span* span_pool_ = nullptr;
  size_t in_use_ = 0;
};

}  // namespace gc

#endif  // WBBENCH_GC_PAGE_HEAP_H_
