// File: gc/mcache.cc
//
// The allocation slow paths: refilling from MCentral and large objects (see
// gc/mcache.h).
#include "gc/mcache.h"

#include <cstring>

#include "gc/heap.h"

namespace gc {

MCache::MCache() {
  for (Span*& s : alloc_) s = &g_empty_span;
  Heap::Get().Register(this);
}

MCache::~MCache() {
  ReleaseAll();
  Heap::Get().Unregister(this);
}

void MCache::ZeroSlot(uintptr_t p, size_t elemsize, size_t size) {
  UnpoisonHeapMemory(p, elemsize);
  std::memset(reinterpret_cast<void*>(p), 0, elemsize);
  if (elemsize > size) PoisonHeapMemory(p + size, elemsize - size);
}

void* MCache::AllocSlow(const Type& type, size_t count, size_t size) {
  if (size > kMaxSmallSize) return AllocLarge(type, count, size);
  const SpanClass sc = MakeSpanClass(SizeToClass(size), type.noscan());
  Span* s = alloc_[sc];
  uint32_t index = s->NextFreeIndex();
  if (index == s->nelems) {
    if (!Refill(sc)) return nullptr;
    s = alloc_[sc];
    index = s->NextFreeIndex();
  }
  ++s->alloc_count;
  return InitObject(s, index, type, count, size);
}

void* MCache::AllocLarge(const Type& type, size_t count, size_t size) {
  Heap& heap = Heap::Get();
  const size_t npages = size / kPageSize + (size % kPageSize != 0 ? 1 : 0);
  if (size > heap.config().heap_limit) {
    const size_t live = heap.live_bytes();
    heap.LimitExceeded(live + size < live ? ~size_t{0} : live + size);
    return nullptr;
  }
  const SpanClass sc = MakeSpanClass(0, type.noscan());
  Span* s = heap.AllocSpan(npages, sc);
  if (s == nullptr) {
    heap.LimitExceeded(heap.live_bytes() + npages * kPageSize);
    return nullptr;
  }
  if (!heap.AddLive(s->elemsize, 1)) {
    heap.FreeSpan(s);
    return nullptr;
  }
  s->free_index = 1;
  s->alloc_count = 1;
  s->alloc_cache = 0;
  void* p = InitObject(s, 0, type, count, size);
  FlushCounters();
  heap.central(sc).PushSwept(s);
  return p;
}

bool MCache::Refill(SpanClass sc) {
  Heap& heap = Heap::Get();
  if (alloc_[sc] != &g_empty_span) heap.central(sc).UncacheSpan(alloc_[sc]);
  alloc_[sc] = &g_empty_span;
  FlushCounters();
  Span* s = heap.central(sc).CacheSpan();
  if (s == nullptr) return false;
  alloc_[sc] = s;
  return true;
}

void MCache::ReleaseAll() {
  Heap& heap = Heap::Get();
  for (int sc = 0; sc < kNumSpanClasses; ++sc) {
    if (alloc_[sc] != &g_empty_span) {
      heap.central(static_cast<SpanClass>(sc)).UncacheSpan(alloc_[sc]);
      alloc_[sc] = &g_empty_span;
    }
  }
  FlushCounters();
}

void MCache::Forget() {
  for (Span*& s : alloc_) s = &g_empty_span;
  black_bytes_ = 0;
}

void MCache::FlushCounters() {
  if (black_bytes_ != 0) Heap::Get().AddBlackBytes(black_bytes_);
  black_bytes_ = 0;
}

}  // namespace gc
