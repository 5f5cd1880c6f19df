// File: gc/mcentral.h
//
// Central span lists, one per span class (Go's mcentral).
//
// Each MCentral keeps its in-use spans that no mcache holds on four stacks:
// partial (some free slots) and full, each split into swept and unswept for
// the current sweep generation.  As in Go, the split is by parity: the swept
// stacks of generation sg are the unswept stacks of sg + 2, so starting a
// sweep cycle (sg += 2) turns every swept span into an unswept one without
// touching it.  Large spans (class 0) live on the full stacks.
//
// CacheSpan is Go's cacheSpan: a swept partial span if there is one, else
// sweep unswept spans of this class until one has room (this is the lazy
// sweep on allocation), else a fresh span from the page heap.
//
// Locking: one std::mutex per MCentral, held only to push or pop.  Sweeping
// happens outside it, on a span the caller claimed by popping it from an
// unswept stack.  Lock order: MCentral before PageHeap is never needed;
// neither lock is held while taking the other.  The heap's locks are
// std::mutex rather than absl::Mutex: the distribution's Abseil is built
// without ThreadSanitizer annotations, so TSan cannot see absl::Mutex
// ordering and reports false races; pthread mutexes it intercepts.
#ifndef WBBENCH_GC_MCENTRAL_H_
#define WBBENCH_GC_MCENTRAL_H_

#include <cstddef>
#include <cstdint>
#include <mutex>

#include "gc/size_classes.h"
#include "gc/span.h"

namespace gc {

// An intrusive LIFO of spans linked through Span::next.
class SpanStack {
 public:
  void Push(Span* s) {
    s->next = head_;
    head_ = s;
    ++size_;
  }
  Span* Pop() {
    Span* s = head_;
    if (s != nullptr) {
      head_ = s->next;
      s->next = nullptr;
      --size_;
    }
    return s;
  }
  size_t size() const { return size_; }

 private:
  Span* head_ = nullptr;
  size_t size_ = 0;
};

class MCentral {
 public:
  void Init(SpanClass sc);
  SpanClass spanclass() const { return spanclass_; }

  // A span with at least one free slot, swept and marked cached (sg + 3),
  // its free slots counted as allocated.  nullptr if the heap limit handler
  // returned.
  Span* CacheSpan();
  // Go's uncacheSpan: takes back a span from an mcache; its unused slots
  // stop counting as allocated.
  void UncacheSpan(Span* s);

  // Places a swept span (sweepgen == sg) on the right swept stack.
  void PushSwept(Span* s);
  // Pops a span needing a sweep and claims it (sweepgen: sg - 2 -> sg - 1);
  // nullptr if none.
  Span* PopUnswept();

  // Spans on the unswept stacks (tests, FinishSweep checks).
  size_t UnsweptCount();

  // Drops every list (Heap::Init; the spans are freed with the arenas).
  void Reset();

 private:
  SpanStack& Partial(uint32_t sg, bool swept) {
    return partial_[(sg / 2 + (swept ? 0 : 1)) % 2];
  }
  SpanStack& Full(uint32_t sg, bool swept) {
    return full_[(sg / 2 + (swept ? 0 : 1)) % 2];
  }
  Span* PopUnsweptFrom(bool partial);
  Span* Grow();

  SpanClass spanclass_ = 0;
  std::mutex mu_;
  SpanStack partial_[2];
  SpanStack full_[2];
};

}  // namespace gc

#endif  // WBBENCH_GC_MCENTRAL_H_
