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
  mark_bits.Clear();
  RefillAllocCache(0);
  next = nullptr;
  if (noscan) {
    types = nullptr;
  } else if (size_class == 0) {
    types = &large_type;
  } else {
    types = new ObjectType[nelems];
  }
  if (types != nullptr) {
    for (uint32_t i = 0; i < nelems; ++i) SetType(i, nullptr, 0);
  }
}

void Span::ReleaseMetadata() {
  if (types != nullptr && types != &large_type) delete[] types;
  types = nullptr;
}

}  // namespace gc
