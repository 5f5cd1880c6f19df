// File: gc/heap_bits.cc
//
// The heap bitmap's general writer (see gc/heap_bits.h).
#include "gc/heap_bits.h"

namespace gc {

void SetHeapBitsSlow(uintptr_t base, size_t elemsize, const Type& type,
                     size_t count) {
  const size_t words = elemsize >> 3;
  const size_t elem_words = type.size() >> 3;
  const size_t data_words = elem_words * count;
  // 64 words at a time from base (a 64-word group of the bitmap may start
  // mid-object: WriteHeapBits splits it).
  for (size_t w = 0; w < words; w += 64) {
    const size_t n = words - w < 64 ? words - w : 64;
    uint64_t pattern = 0;
    for (size_t i = 0; i < n; ++i) {
      const size_t word = w + i;
      if (word < data_words && type.IsPointerWord(word % elem_words)) {
        pattern |= uint64_t{1} << i;
      }
    }
    WriteHeapBits(base + w * 8, n, pattern);
  }
}

}  // namespace gc
