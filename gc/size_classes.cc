// File: gc/size_classes.cc
//
// Compile-time checks of the size-class tables in gc/size_classes.h: every
// class's objects fit its span, lookup rounds up to the smallest class, and
// the divMagic multiply gives the exact object index for every byte of every
// object (checked at each object's first and last byte; both the true index
// and the multiply are monotone in the offset, so that covers the bytes in
// between).
#include "gc/size_classes.h"

#include "gc/mark_bits.h"

namespace gc {
namespace {

constexpr bool DivMagicExact() {
  for (int c = 1; c < kNumSizeClasses; ++c) {
    const uint64_t size = kClassSize[c];
    const uint64_t nelems = kClassPages[c] * kPageSize / size;
    for (uint64_t i = 0; i < nelems; ++i) {
      for (uint64_t off : {i * size, i * size + size - 1}) {
        if (((off * kClassDivMagic[c]) >> 32) != i) return false;
      }
    }
  }
  return true;
}

constexpr bool LookupRoundsUp() {
  for (size_t size = 1; size <= kMaxSmallSize; ++size) {
    const int c = SizeToClass(size);
    if (kClassSize[c] < size) return false;
    if (c > 1 && kClassSize[c - 1] >= size) return false;
  }
  return true;
}

constexpr bool ClassesFitSpans() {
  for (int c = 1; c < kNumSizeClasses; ++c) {
    if (kClassSize[c] % 8 != 0 || kClassSize[c] <= kClassSize[c - 1]) {
      return false;
    }
    const size_t nelems = kClassPages[c] * kPageSize / kClassSize[c];
    if (nelems == 0 || nelems > kMaxObjectsPerSpan) return false;
  }
  return true;
}

static_assert(DivMagicExact(), "divMagic must give exact object indices");
static_assert(LookupRoundsUp(), "SizeToClass must pick the smallest class");
static_assert(ClassesFitSpans(), "classes must fit their spans");

}  // namespace
}  // namespace gc
