// File: gc/page_heap.cc
//
// First-fit page runs over arenas (see gc/page_heap.h).
#include "gc/page_heap.h"

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

}  // namespace

Span* PageHeap::Alloc(size_t npages) {
  std::lock_guard<std::mutex> lock(mu_);
  auto run = free_runs_.end();
  for (int attempt = 0; attempt < 2 && run == free_runs_.end(); ++attempt) {
    if (attempt == 1 && !Grow(npages)) return nullptr;
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

  Span* s = span_pool_;
  if (s != nullptr) {
    span_pool_ = s->next;
  } else {
    all_spans_.push_back(std::make_unique<Span>());
    s = all_spans_.back().get();
  }
  s->next = nullptr;
  s->base = base;
  s->npages = npages;
  s->state = SpanState::kInUse;
  ++in_use_;
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
  free_runs_.clear();
  span_pool_ = nullptr;
  free_pages_ = 0;
  in_use_ = 0;
}

}  // namespace gc
