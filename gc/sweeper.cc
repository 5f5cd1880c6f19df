// File: gc/sweeper.cc
//
// Sweeping one span, and the background sweeper thread (see gc/sweeper.h).
#include "gc/sweeper.h"

#include "gc/heap.h"
#include "gc/scavenger.h"
#include "gc/start_thread.h"

namespace gc {
namespace {

// Allocation bits implied by the cursor: slots below free_index in word w.
uint64_t BelowCursor(uint32_t free_index, size_t w) {
  if (free_index >= (w + 1) * 64) return ~uint64_t{0};
  if (free_index <= w * 64) return 0;
  return (uint64_t{1} << (free_index - w * 64)) - 1;
}

}  // namespace

size_t SweepSpan(Span* s, bool preserve) {
  Heap& heap = Heap::Get();
  // The caller moved sweepgen to sg - 1.
  const uint32_t sg = s->sweepgen.load(std::memory_order_relaxed) + 1;
  uint32_t freed = 0;
  uint32_t live = 0;
  // No page mark: nothing in the span was marked, and its mark bits need not
  // be read (gc/arena.h).
  const bool any_marked = PageMarked(s->base);
  for (size_t w = 0; w * 64 < s->nelems; ++w) {
    const uint64_t allocated =
        s->alloc_bits.words[w] | BelowCursor(s->free_index, w);
    // A mark on a free slot (a stale pointer shaded) must not resurrect it.
    const uint64_t marked =
        any_marked ? s->mark_bits->Word(w) & allocated : uint64_t{0};
    for (uint64_t dead = allocated & ~marked; dead != 0; dead &= dead - 1) {
      const uint32_t i = static_cast<uint32_t>(w * 64) + __builtin_ctzll(dead);
      PoisonHeapMemory(s->ObjectBase(i), s->elemsize);
      s->ClearType(i);
      ++freed;
    }
    s->alloc_bits.words[w] = marked;
    live += static_cast<uint32_t>(__builtin_popcountll(marked));
  }
  if (freed != 0) s->needzero = true;  // Go's sweep: the next alloc zeroes
  s->mark_bits->Clear();
  s->free_index = 0;
  s->alloc_count = live;
  s->RefillAllocCache(0);
  heap.SubLive(size_t{freed} * s->elemsize, freed);

  // Read before the span is handed on: once freed or pushed, another thread
  // may reuse it.
  const size_t live_bytes = size_t{live} * s->elemsize;
  size_t pages_freed = 0;
  if (live == 0 && !preserve) {
    pages_freed = s->npages;
    s->sweepgen.store(sg, std::memory_order_release);
    heap.FreeSpan(s);
  } else {
    s->sweepgen.store(sg, std::memory_order_release);
    if (!preserve) heap.central(s->spanclass).PushSwept(s);
  }
  // Last: FinishSweep treats the count reaching zero as "every span is back
  // where it belongs".
  heap.NoteSwept(live_bytes);
  return pages_freed;
}

BackgroundSweeper::BackgroundSweeper(Scavenger* scavenger)
    : scavenger_(scavenger),
      thread_(StartThread("the background sweeper", [this] { Run(); })) {}

BackgroundSweeper::~BackgroundSweeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void BackgroundSweeper::Wake() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    work_ = true;
  }
  cv_.notify_one();
}

void BackgroundSweeper::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return work_ || stop_; });
      if (stop_) return;
      work_ = false;
    }
    while (Heap::Get().SweepOne()) {
    }
    if (scavenger_ != nullptr) scavenger_->Wake();
  }
}

}  // namespace gc
