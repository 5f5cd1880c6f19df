// File: gc/span.cc
//
// Span initialisation and the allocation slow path within a span (see
// gc/span.h).
#include "gc/span.h"

namespace gc {

Span g_empty_span;

uint32_t Span::NextFreeIndex() {
  uint32_t index = free_index;
  if (index == nelems) return nelems;
  uint64_t cache = alloc_cache;
  while (cache == 0) {
    // Move to the start of the next word of allocation bits.
    index = (index + 64) & ~uint32_t{63};
    if (index >= nelems) {
      free_index = nelems;
      return nelems;
    }
    RefillAllocCache(index / 64);
    cache = alloc_cache;
  }
  const uint32_t bit = static_cast<uint32_t>(__builtin_ctzll(cache));
  const uint32_t result = index + bit;
  if (result >= nelems) {
    free_index = nelems;
    return nelems;
  }
  alloc_cache = (cache >> bit) >> 1;
  index = result + 1;
  if (index % 64 == 0 && index != nelems) RefillAllocCache(index / 64);
  free_index = index;
  return result;
}

void Span::InitForClass(SpanClass sc) {
  spanclass = sc;
  noscan = SpanClassNoscan(sc);
  const int size_class = SpanClassSize(sc);
  if (size_class == 0) {
    elemsize = npages * kPageSize;
    nelems = 1;
    div_magic = 0;
  } else {
    elemsize = kClassSize[size_class];
    nelems = static_cast<uint32_t>(npages * kPageSize / elemsize);
    div_magic = kClassDivMagic[size_class];
  }
  limit = base + nelems * elemsize;
  free_index = 0;
  alloc_count = 0;
  alloc_bits.Clear();
  mark_bits->Clear();
  RefillAllocCache(0);
  next = nullptr;
  ReleaseMetadata();
}

__attribute__((noinline, cold)) void Span::SetTypeMixed(uint32_t index,
                                                        const Type* type,
                                                        size_t count) {
  ObjectType* t = types.load(std::memory_order_relaxed);
  if (t == nullptr) {
    t = is_large() ? &large_type : new ObjectType[nelems];
    // Every slot so far holds the uniform type (or is free).
    const Type* e = elem_type.load(std::memory_order_relaxed);
    for (uint32_t i = 0; i < nelems; ++i) {
      t[i].type.store(e, std::memory_order_relaxed);
      t[i].count.store(e != nullptr ? 1 : 0, std::memory_order_relaxed);
    }
    types.store(t, std::memory_order_release);
  }
  t[index].type.store(type, std::memory_order_relaxed);
  t[index].count.store(count, std::memory_order_relaxed);
}

void Span::ReleaseMetadata() {
  ObjectType* t = types.load(std::memory_order_relaxed);
  if (t != nullptr && t != &large_type) delete[] t;
  types.store(nullptr, std::memory_order_relaxed);
  elem_type.store(nullptr, std::memory_order_relaxed);
}

}  // namespace gc
