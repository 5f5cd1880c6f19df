// File: gc/page_heap.cc
//
// First-fit page runs over arenas (see gc/page_heap.h).
#include "gc/page_heap.h"

#include <sys/mman.h>

#include <algorithm>
#include <iterator>

#include "gc/arena.h"

namespace gc {
namespace {

// Adds the run [base, base + pages) to `runs`, merging with its neighbours.
void InsertRun(std::map<uintptr_t, size_t>& runs, uintptr_t base,
               size_t pages) {
  auto next = runs.lower_bound(base);
  if (next != runs.end() && base + pages * kPageSize == next->first) {
    pages += next->second;
    next = runs.erase(next);
  }
  if (next != runs.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second * kPageSize == base) {
      prev->second += pages;
      return;
    }
  }
  runs.emplace_hint(next, base, pages);
}

// The scavenged bit of the page at p (gc/arena.h); page heap lock held.
uint64_t& ScavengedWord(uintptr_t p, uint64_t* mask) {
  HeapArena* arena =
      g_arena_table[p >> kArenaShift].load(std::memory_order_relaxed);
  const size_t page = (p >> kPageShift) & (kPagesPerArena - 1);
  *mask = uint64_t{1} << (page % 64);
  return arena->scavenged[page / 64];
}
bool IsScavenged(uintptr_t p) {
  uint64_t mask;
  return (ScavengedWord(p, &mask) & mask) != 0;
}
// Marks [base, base + npages pages) scavenged (or not); returns how many of
// them changed.
size_t SetScavenged(uintptr_t base, size_t npages, bool scavenged) {
  size_t changed = 0;
  for (size_t i = 0; i < npages; ++i) {
    uint64_t mask;
    uint64_t& word = ScavengedWord(base + i * kPageSize, &mask);
    if (((word & mask) != 0) != scavenged) {
      word ^= mask;
      ++changed;
    }
  }
  return changed;
}

// Go's allocNeedsZero: whether any page of [base, base + npages pages) was
// handed out before (below its arena's zeroed_base), moving each arena's
// zeroed_base past the run.  Page heap lock held.
bool AllocNeedsZero(uintptr_t base, size_t npages) {
  bool needzero = false;
  const uintptr_t end = base + npages * kPageSize;
  for (uintptr_t p = base; p < end;) {
    HeapArena* arena =
        g_arena_table[p >> kArenaShift].load(std::memory_order_relaxed);
    const uintptr_t arena_base = p & ~(kArenaSize - 1);
    const uintptr_t arena_end = arena_base + kArenaSize;
    const uintptr_t run_end = end < arena_end ? end : arena_end;
    if (p - arena_base < arena->zeroed_base) needzero = true;
    if (run_end - arena_base > arena->zeroed_base) {
      arena->zeroed_base = run_end - arena_base;
    }
    p = run_end;
  }
  return needzero;
}

// Go's heap growth unit (mheap.grow aligns a request to a 512-page chunk):
// the most a growing allocation scavenges.
constexpr size_t kGrowthChunkPages = 512;
// The most Scavenge takes out of the free runs at a time (Go's
// scavengeQuantum, 64 KiB).
constexpr size_t kScavengeChunkPages = (size_t{64} << 10) / kPageSize;

}  // namespace

Span* PageHeap::Alloc(size_t npages) {
  size_t scavenge_bytes = 0;
  Span* s = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto run = free_runs_.end();
    bool grew = false;
    for (int attempt = 0; attempt < 2 && run == free_runs_.end(); ++attempt) {
      if (attempt == 1) {
        if (!Grow(npages)) return nullptr;
        grew = true;
      }
      for (auto it = free_runs_.begin(); it != free_runs_.end(); ++it) {
        if (it->second >= npages) {
          run = it;
          break;
        }
      }
    }
    const uintptr_t base = run->first;
    const size_t left = run->second - npages;
    free_runs_.erase(run);
    if (left > 0) free_runs_.emplace(base + npages * kPageSize, left);
    free_pages_ -= npages;
    // Go's heap-growth scavenge: the retained heap, before this span's
    // scavenged pages count again, plus what the heap grew by.
    const uint64_t goal = scavenge_goal();
    if (grew && goal != kNoScavengeGoal) {
      const uint64_t growth =
          uint64_t{(npages + kGrowthChunkPages - 1) / kGrowthChunkPages *
                   kGrowthChunkPages * kPageSize};
      const uint64_t retained = RetainedLocked();
      if (retained + growth > goal) {
        scavenge_bytes = std::min(growth, retained + growth - goal);
      }
    }
    released_pages_ -= SetScavenged(base, npages, false);
    const bool needzero = AllocNeedsZero(base, npages);

    s = span_pool_;
    if (s != nullptr) {
      span_pool_ = s->next;
    } else {
      all_spans_.push_back(std::make_unique<Span>());
      s = all_spans_.back().get();
      s->mark_bits = mark_bits_.New();
    }
    s->next = nullptr;
    s->base = base;
    s->npages = npages;
    s->state = SpanState::kInUse;
    s->needzero = needzero;
    ++in_use_;
  }
  if (scavenge_bytes != 0) Scavenge(scavenge_bytes);
  return s;
}

void PageHeap::Publish(Span* s) { SetSpanPages(s->base, s->npages, s); }

void PageHeap::Free(Span* s) {
  SetSpanPages(s->base, s->npages, nullptr);
  PoisonHeapMemory(s->base, s->npages * kPageSize);
  s->ReleaseMetadata();
  std::lock_guard<std::mutex> lock(mu_);
  InsertRun(free_runs_, s->base, s->npages);
  free_pages_ += s->npages;
  scavenge_search_ =
      std::max(scavenge_search_, s->base + s->npages * kPageSize);
  s->state = SpanState::kFree;
  s->next = span_pool_;
  span_pool_ = s;
  --in_use_;
}

bool PageHeap::Grow(size_t npages) {
  const size_t arenas = (npages + kPagesPerArena - 1) / kPagesPerArena;
  if (arenas == 0 || arenas > kArenaTableSize) return false;
  const uintptr_t base = ReserveArenas(arenas);
  if (base == 0) return false;
  InsertRun(free_runs_, base, arenas * kPagesPerArena);
  free_pages_ += arenas * kPagesPerArena;
  // Never touched: as good as scavenged (Go grows the heap scavenged).
  SetScavenged(base, arenas * kPagesPerArena, true);
  mapped_pages_ += arenas * kPagesPerArena;
  released_pages_ += arenas * kPagesPerArena;
  return true;
}

size_t PageHeap::spans_in_use() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_use_;
}

size_t PageHeap::free_pages() const {
  std::lock_guard<std::mutex> lock(mu_);
  return free_pages_;
}

void PageHeap::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  ReleaseAllArenas();
  for (auto& s : all_spans_) s->ReleaseMetadata();
  all_spans_.clear();
  mark_bits_.Reset();
  free_runs_.clear();
  span_pool_ = nullptr;
  free_pages_ = 0;
  in_use_ = 0;
  mapped_pages_ = 0;
  released_pages_ = 0;
  scavenged_total_ = 0;
  scavenge_search_ = 0;
  scavenge_goal_.store(kNoScavengeGoal, std::memory_order_relaxed);
}

bool PageHeap::TakeRetained(size_t max_pages, uintptr_t* base, size_t* npages) {
  auto it = free_runs_.lower_bound(scavenge_search_);
  while (it != free_runs_.begin()) {
    --it;
    const uintptr_t run_base = it->first;
    const uintptr_t run_end = run_base + it->second * kPageSize;
    uintptr_t hi = std::min(run_end, scavenge_search_);
    while (hi > run_base && IsScavenged(hi - kPageSize)) hi -= kPageSize;
    if (hi == run_base) {
      scavenge_search_ = run_base;
      continue;
    }
    uintptr_t lo = hi - kPageSize;
    while (lo > run_base && (hi - lo) / kPageSize < max_pages &&
           !IsScavenged(lo - kPageSize)) {
      lo -= kPageSize;
    }
    // Split the run around [lo, hi).
    free_runs_.erase(it);
    if (lo > run_base)
      free_runs_.emplace(run_base, (lo - run_base) / kPageSize);
    if (hi < run_end) free_runs_.emplace(hi, (run_end - hi) / kPageSize);
    *base = lo;
    *npages = (hi - lo) / kPageSize;
    free_pages_ -= *npages;
    scavenge_search_ = lo;
    return true;
  }
  return false;
}

size_t PageHeap::Scavenge(size_t max_bytes) {
  size_t released = 0;
  while (released + kPageSize <= max_bytes) {
    uintptr_t base;
    size_t npages;
    {
      std::lock_guard<std::mutex> lock(mu_);
      const size_t want =
          std::min(kScavengeChunkPages, (max_bytes - released) / kPageSize);
      if (!TakeRetained(want, &base, &npages)) break;
    }
    // The pages are zero and unreachable: the kernel may drop them, and the
    // next touch maps in a zero page, so the invariant holds.
    madvise(reinterpret_cast<void*>(base), npages * kPageSize, MADV_DONTNEED);
    std::lock_guard<std::mutex> lock(mu_);
    SetScavenged(base, npages, true);
    InsertRun(free_runs_, base, npages);
    free_pages_ += npages;
    released_pages_ += npages;
    scavenged_total_ += uint64_t{npages} * kPageSize;
    released += npages * kPageSize;
  }
  return released;
}

uint64_t PageHeap::retained_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return RetainedLocked();
}

uint64_t PageHeap::in_use_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return uint64_t{mapped_pages_ - free_pages_} * kPageSize;
}

uint64_t PageHeap::scavenged_bytes_total() const {
  std::lock_guard<std::mutex> lock(mu_);
  return scavenged_total_;
}

}  // namespace gc
