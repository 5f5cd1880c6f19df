// File: gc/heap.cc
//
// The process-wide heap: initialisation, the collector's phase hooks, span
// allocation with reclaim, statistics and the heap limit (see gc/heap.h).
#include "gc/heap.h"

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "gc/sweeper.h"

namespace gc {

SpanAndIndex FindSpanAndIndex(uintptr_t p) {
  Span* s = SpanOf(p);
  if (s == nullptr || s->state != SpanState::kInUse || p < s->base ||
      p >= s->limit) {
    return {nullptr, 0};
  }
  return {s, s->ObjectIndex(p)};
}

void DefaultHeapLimitHandler(size_t live_bytes, size_t limit_bytes) {
  constexpr size_t kMiB = size_t{1} << 20;
  // Live rounds up and the limit down, so the line never reads "N > N".
  const size_t live_mib = live_bytes / kMiB + (live_bytes % kMiB != 0 ? 1 : 0);
  if (live_bytes <= limit_bytes) {
    // Under the limit: the heap could not map more (mmap failed, ulimit -v,
    // or the arena table is full), which is not the limit's doing.
    std::fprintf(stderr,
                 "wbbench: out of address space: the heap could not grow to "
                 "%zu MiB (limit %zu MiB)\n",
                 live_mib, limit_bytes / kMiB);
  } else {
    std::fprintf(stderr,
                 "wbbench: heap limit exceeded: live %zu MiB > limit %zu MiB\n",
                 live_mib, limit_bytes / kMiB);
  }
  // Other threads may still be running: skip static destructors, but do
  // not lose buffered output.
  std::fflush(nullptr);
  std::_Exit(1);
}

Heap::Heap() {
  for (int sc = 0; sc < kNumSpanClasses; ++sc) {
    central_[sc].Init(static_cast<SpanClass>(sc));
  }
}

Heap& Heap::Get() {
  static Heap* const heap = new Heap();
  return *heap;
}

void Heap::Init(const GcConfig& config) { Get().Reset(config); }

void Heap::Reset(const GcConfig& config) {
  {
    std::lock_guard<std::mutex> lock(caches_mu_);
    for (MCache* c = caches_; c != nullptr; c = c->next_) c->Forget();
  }
  for (MCentral& c : central_) c.Reset();
  page_heap_.Reset();
  config_ = config;
  limit_handler_.store(nullptr);
  sweepgen_.store(0);
  unswept_.store(0);
  sweep_cursor_.store(0);
  live_bytes_.store(0);
  objects_.store(0);
  marked_bytes_.store(0);
  black_bytes_.store(0);
  g_allocate_black.store(false);
}

void Heap::SetHeapLimitHandler(HeapLimitHandler handler) {
  limit_handler_.store(handler);
}

bool Heap::LimitExceeded(size_t live) {
  HeapLimitHandler handler = limit_handler_.load();
  if (handler == nullptr) handler = DefaultHeapLimitHandler;
  handler(live, config_.heap_limit);
  return false;
}

void Heap::StartMark() {
  FinishSweep();
  ClearPageMarks();
  black_bytes_.store(0, std::memory_order_relaxed);
  g_allocate_black.store(true, std::memory_order_release);
}

void Heap::StartSweep() {
  g_allocate_black.store(false, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(caches_mu_);
    for (MCache* c = caches_; c != nullptr; c = c->next_) c->ReleaseAll();
  }
  marked_bytes_.store(0, std::memory_order_relaxed);
  unswept_.store(static_cast<int64_t>(page_heap_.spans_in_use()),
                 std::memory_order_release);
  // Go's gcSweep: every swept stack becomes an unswept one.
  sweepgen_.fetch_add(2, std::memory_order_acq_rel);
}

bool Heap::SweepOne(size_t* pages_freed) {
  if (SweepDone()) return false;
  const size_t start = sweep_cursor_.load(std::memory_order_relaxed);
  for (size_t k = 0; k < kNumSpanClasses; ++k) {
    const size_t sc = (start + k) % kNumSpanClasses;
    Span* s = central_[sc].PopUnswept();
    if (s == nullptr) continue;
    sweep_cursor_.store(sc, std::memory_order_relaxed);
    const size_t pages = SweepSpan(s, /*preserve=*/false);
    if (pages_freed != nullptr) *pages_freed += pages;
    return true;
  }
  return false;
}

void Heap::FinishSweep() {
  while (SweepOne()) {
  }
  // Spans other threads popped are still being swept.
  while (!SweepDone()) std::this_thread::yield();
}

Span* Heap::AllocSpan(size_t npages, SpanClass sc) {
  if (!SweepDone()) {
    // Go's reclaim: sweep until as many pages as we need were freed, so the
    // heap reuses garbage before it grows.
    size_t freed = 0;
    while (freed < npages && SweepOne(&freed)) {
    }
  }
  Span* s = page_heap_.Alloc(npages);
  if (s == nullptr) return nullptr;
  s->InitForClass(sc);
  s->sweepgen.store(sweepgen(), std::memory_order_relaxed);
  page_heap_.Publish(s);
  return s;
}

void Heap::FreeSpan(Span* s) { page_heap_.Free(s); }

HeapStats Heap::Stats() const {
  HeapStats st;
  st.live_bytes = live_bytes_.load(std::memory_order_relaxed);
  st.objects = objects_.load(std::memory_order_relaxed);
  st.marked_bytes = marked_bytes_.load(std::memory_order_relaxed);
  st.allocated_black_bytes = black_bytes_.load(std::memory_order_relaxed);
  st.spans_in_use = page_heap_.spans_in_use();
  st.mapped_bytes = ReservedArenaBytes();
  st.sweepgen = sweepgen();
  st.sweep_done = SweepDone();
  return st;
}

size_t Heap::CountMarkedBytes() {
  size_t bytes = 0;
  page_heap_.ForEachInUseSpan(
      [&](Span* s) { bytes += size_t{s->CountMarked()} * s->elemsize; });
  return bytes;
}

void Heap::Register(MCache* c) {
  std::lock_guard<std::mutex> lock(caches_mu_);
  c->prev_ = nullptr;
  c->next_ = caches_;
  if (caches_ != nullptr) caches_->prev_ = c;
  caches_ = c;
}

void Heap::Unregister(MCache* c) {
  std::lock_guard<std::mutex> lock(caches_mu_);
  if (c->prev_ != nullptr) {
    c->prev_->next_ = c->next_;
  } else {
    caches_ = c->next_;
  }
  if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
  c->next_ = c->prev_ = nullptr;
}

}  // namespace gc
