// File: gc/type_descriptor.cc
//
// Building and validating pointer maps (see gc/type_descriptor.h).
#include "gc/type_descriptor.h"

#include <algorithm>

#include "absl/base/internal/raw_logging.h"

namespace gc {

Type::Type(std::string_view name, size_t size,
           std::initializer_list<size_t> pointer_offsets)
    : name_(name), size_(size) {
  Build(pointer_offsets.begin(), pointer_offsets.size());
}

Type::Type(std::string_view name, size_t size,
           const std::vector<size_t>& pointer_offsets)
    : name_(name), size_(size) {
  Build(pointer_offsets.data(), pointer_offsets.size());
}

void Type::Build(const size_t* offsets, size_t n) {
  ABSL_RAW_CHECK(size_ > 0, "gc::Type: size must be positive");
  for (size_t i = 0; i < n; ++i) {
    const size_t off = offsets[i];
    ABSL_RAW_CHECK(off % kPtrSize == 0,
                   "gc::Type: pointer offsets must be multiples of 8");
    ABSL_RAW_CHECK(off + kPtrSize <= size_,
                   "gc::Type: pointer offset outside the object");
    ptrdata_ = std::max(ptrdata_, off + kPtrSize);
  }
  if (n == 0) return;
  ABSL_RAW_CHECK(
      size_ % kPtrSize == 0,
      "gc::Type: a type with pointers must be a multiple of 8 bytes");
  const size_t words = ptrdata_ / kPtrSize;
  bitmap_.assign((words + 63) / 64, 0);
  for (size_t i = 0; i < n; ++i) {
    const size_t w = offsets[i] / kPtrSize;
    bitmap_[w / 64] |= uint64_t{1} << (w % 64);
  }
  num_pointers_ = 0;
  for (uint64_t b : bitmap_) num_pointers_ += __builtin_popcountll(b);
  first_word_ = bitmap_[0];
  bitmap_words_ = bitmap_.size();
}

}  // namespace gc
