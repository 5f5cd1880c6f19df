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
// Invariants: free pages are poisoned under ASan; a span returned by Alloc
// says in `needzero` whether any of its pages was handed out before (Go's
// allocNeedsZero, by each arena's zeroed_base), so that allocation zeroes
// what may hold old bytes; a span returned by Alloc is not yet in the page
// table (the caller initialises it, then
// calls Publish); Free clears its page-table entries first.
//
// Scavenging (Go's pageAlloc.scavenge; the pacing and the thread are
// gc/scavenger.h): a free page is either retained (its memory resident, as
// the sweep left it) or scavenged (given back with madvise(MADV_DONTNEED), so
// the allocator's first touch faults a zero page in again).  New arenas start
// scavenged.  Scavenge() releases free retained pages highest address first,
// continuing below where its last call stopped; a Free above that point
// moves it up (Go's scavenge index).  The pages being released leave the free
// runs while the lock is dropped for the madvise, as Go allocates them.
// Alloc counts the scavenged pages it hands out back as retained and, when
// it had to grow the heap past the scavenge goal, scavenges as much as it
// grew on the allocating thread (Go's heap-growth scavenge, mheap.allocSpan).
//
// Locking: one std::mutex; callers hold no other heap lock.
#ifndef WBBENCH_GC_PAGE_HEAP_H_
#define WBBENCH_GC_PAGE_HEAP_H_

#include <atomic>
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
  // A span over `npages` pages with base, npages and needzero set, state
  // kInUse, not published; nullptr if the address space cannot grow.
  Span* Alloc(size_t npages);
  // Makes FindObject see the span (after InitForClass).
  void Publish(Span* s);
  // Returns the span's pages and recycles the Span.
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

  // --- scavenging ---
  // Returns up to `max_bytes` (whole pages) of free retained memory to the
  // kernel; the bytes released, less only when no free retained page is
  // left below the search point.
  size_t Scavenge(size_t max_bytes);
  // Go's scavenge.gcPercentGoal: the retained bytes the scavenger works down
  // to; kNoScavengeGoal when no scavenger runs or the heap is under it.
  static constexpr uint64_t kNoScavengeGoal = ~uint64_t{0};
  void SetScavengeGoal(uint64_t goal) {
    scavenge_goal_.store(goal, std::memory_order_relaxed);
  }
  uint64_t scavenge_goal() const {
    return scavenge_goal_.load(std::memory_order_relaxed);
  }
  // Go's heapRetained: pages in use plus free pages not scavenged.
  uint64_t retained_bytes() const;
  // Go's heapInUse: pages of in-use spans.
  uint64_t in_use_bytes() const;
  // Bytes released to the kernel since Reset.
  uint64_t scavenged_bytes_total() const;

 private:
  bool Grow(size_t npages);
  // Removes from the free runs the highest run of at most `max_pages` free
  // retained pages below the search point; false if there is none.
  bool TakeRetained(size_t max_pages, uintptr_t* base, size_t* npages);
  uint64_t RetainedLocked() const {
    return uint64_t{mapped_pages_ - released_pages_} * kPageSize;
  }

  mutable std::mutex mu_;
  std::map<uintptr_t, size_t> free_runs_;  // base->pages
  size_t free_pages_ = 0;
  size_t mapped_pages_ = 0;    // pages of every reserved arena.
  size_t released_pages_ = 0;  // free and scavenged.
  uint64_t scavenged_total_ = 0;
  uintptr_t scavenge_search_ = 0;  // Scavenge looks below this address.
  std::atomic<uint64_t> scavenge_goal_{kNoScavengeGoal};
  std::vector<std::unique_ptr<Span>> all_spans_;
  MarkBitsArena mark_bits_;  // every Span's mark bits, one each.
  Span* span_pool_ = nullptr;
  size_t in_use_ = 0;
};

}  // namespace gc

#endif  // WBBENCH_GC_PAGE_HEAP_H_
