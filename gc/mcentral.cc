// File: gc/mcentral.cc
//
// Central span lists and the lazy sweep on allocation (see gc/mcentral.h).
#include "gc/mcentral.h"

#include "gc/heap.h"
#include "gc/sweeper.h"

namespace gc {
namespace {

// Go's spanBudget in cacheSpan: how many unswept spans one refill may sweep
// looking for free space before it takes fresh pages instead.  Bounds the
// latency of a refill; large enough that a heap full of garbage is reused
// rather than grown.
constexpr int kCacheSpanSweepBudget = 100;

}  // namespace

void MCentral::Init(SpanClass sc) { spanclass_ = sc; }

Span* MCentral::PopUnsweptFrom(bool partial) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint32_t sg = Heap::Get().sweepgen();
  Span* s = partial ? Partial(sg, false).Pop() : Full(sg, false).Pop();
  if (s != nullptr) s->sweepgen.store(sg - 1, std::memory_order_relaxed);
  return s;
}

Span* MCentral::PopUnswept() {
  Span* s = PopUnsweptFrom(/*partial=*/true);
  return s != nullptr ? s : PopUnsweptFrom(/*partial=*/false);
}

void MCentral::PushSwept(Span* s) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint32_t sg = Heap::Get().sweepgen();
  if (s->alloc_count == s->nelems) {
    Full(sg, true).Push(s);
  } else {
    Partial(sg, true).Push(s);
  }
}

Span* MCentral::CacheSpan() {
  Heap& heap = Heap::Get();
  Span* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = Partial(heap.sweepgen(), true).Pop();
  }
  int budget = kCacheSpanSweepBudget;
  // Lazy sweep: a partial span keeps its free slots through the sweep.
  while (s == nullptr && budget-- > 0) {
    Span* u = PopUnsweptFrom(/*partial=*/true);
    if (u == nullptr) break;
    SweepSpan(u, /*preserve=*/true);
    s = u;
  }
  while (s == nullptr && budget-- > 0) {
    Span* u = PopUnsweptFrom(/*partial=*/false);
    if (u == nullptr) break;
    SweepSpan(u, /*preserve=*/true);
    if (u->alloc_count < u->nelems) {
      s = u;
    } else {
      PushSwept(u);
    }
  }
  if (s == nullptr) {
    s = heap.AllocSpan(kClassPages[SpanClassSize(spanclass_)], spanclass_);
    if (s == nullptr) {
      heap.LimitExceeded(heap.live_bytes() +
                         kClassPages[SpanClassSize(spanclass_)] * kPageSize);
      return nullptr;
    }
  }
  const size_t free_slots = s->nelems - s->alloc_count;
  if (!heap.AddLive(free_slots * s->elemsize, free_slots)) {
    PushSwept(s);
    return nullptr;
  }
  // Go's cacheSpan: rebuild the alloc cache at the cursor.  Slots below
  // free_index are allocated; every free slot is at or above it.
  s->RefillAllocCache(s->free_index / 64);
  s->alloc_cache >>= s->free_index % 64;
  s->sweepgen.store(heap.sweepgen() + 3, std::memory_order_relaxed);
  return s;
}

void MCentral::UncacheSpan(Span* s) {
  Heap& heap = Heap::Get();
  const size_t unused = s->nelems - s->alloc_count;
  heap.SubLive(unused * s->elemsize, unused);
  s->sweepgen.store(heap.sweepgen(), std::memory_order_relaxed);
  PushSwept(s);
}

size_t MCentral::UnsweptCount() {
  std::lock_guard<std::mutex> lock(mu_);
  const uint32_t sg = Heap::Get().sweepgen();
  return Partial(sg, false).size() + Full(sg, false).size();
}

void MCentral::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  for (SpanStack& l : partial_) l = SpanStack();
  for (SpanStack& l : full_) l = SpanStack();
}

}  // namespace gc
