// File: gc/type_descriptor.h
//
// Type descriptors: the exact pointer maps the marker scans with (Go's
// _type.ptrdata + gcdata, here a plain bitmap of pointer words).
//
// A gc::Type names a managed object layout: its size in bytes and which
// 8-byte words hold pointers to managed objects.  Every allocation names a
// type (and an element count for arrays); the heap remembers it per object
// (gc/span.h) and the marker visits exactly the words the bitmap marks, in
// every element of an array and in no other word (gc/heap.h,
// ForEachPointerSlot).  A type without pointers is `noscan`: its objects live
// in noscan spans and are never scanned.
//
// Invariants: size > 0; pointer words are 8-byte aligned and lie inside the
// object; a type with pointers has a size that is a multiple of 8 (so array
// elements keep their pointers aligned).  A Type must outlive every object
// allocated with it (types are normally static).  Types are immutable, so any
// thread may read them.
#ifndef WBBENCH_GC_TYPE_DESCRIPTOR_H_
#define WBBENCH_GC_TYPE_DESCRIPTOR_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"

namespace gc {

inline constexpr size_t kPtrSize = sizeof(void*);

class Type {
 public:
  // `pointer_offsets`: byte offsets of the pointer fields, each a multiple of
  // 8 and below `size`.  Invalid layouts abort with a message (types are
  // written by programmers, not read from input).
  Type(std::string_view name, size_t size,
       std::initializer_list<size_t> pointer_offsets);
  Type(std::string_view name, size_t size,
       const std::vector<size_t>& pointer_offsets);

  // The layout of C++ type T with pointer fields at `pointer_offsets`
  // (use offsetof).
  template <typename T>
  static Type Of(std::string_view name,
                 std::initializer_list<size_t> pointer_offsets) {
    return Type(name, sizeof(T), pointer_offsets);
  }

  Type(const Type&) = default;
  Type& operator=(const Type&) = default;

  size_t size() const { return size_; }
  const std::string& name() const { return name_; }
  size_t num_pointers() const { return num_pointers_; }
  bool noscan() const { return num_pointers_ == 0; }
  // Go's ptrdata: bytes from the start up to the end of the last pointer.
  size_t ptrdata() const { return ptrdata_; }

  bool IsPointerWord(size_t word) const {
    return word / 64 < bitmap_.size() &&
           ((bitmap_[word / 64] >> (word % 64)) & 1);
  }
  const std::vector<uint64_t>& bitmap() const { return bitmap_; }
  // The pointer words among the first 64, as one mask; whether that is all
  // of them.
  uint64_t first_bitmap_word() const { return first_word_; }
  bool pointers_in_first_word() const { return bitmap_words_ <= 1; }

  // Calls f(word_index) for each pointer word, in increasing order.  The
  // first bitmap word is kept inline: it covers every type whose pointers lie
  // in its first 512 bytes, so the marker's common case reads no vector.
  template <typename F>
  ABSL_ATTRIBUTE_ALWAYS_INLINE void ForEachPointerWord(F&& f) const {
    for (uint64_t bits = first_word_; bits != 0; bits &= bits - 1) {
      f(static_cast<size_t>(__builtin_ctzll(bits)));
    }
    for (size_t w = 1; w < bitmap_words_; ++w) {
      for (uint64_t bits = bitmap_[w]; bits != 0; bits &= bits - 1) {
        f(w * 64 + static_cast<size_t>(__builtin_ctzll(bits)));
      }
    }
  }

 private:
  void Build(const size_t* offsets, size_t n);

  std::string name_;
  size_t size_;
  size_t num_pointers_ = 0;
  size_t ptrdata_ = 0;
  std::vector<uint64_t> bitmap_;  // one bit per word, up to ptrdata.
  uint64_t first_word_ = 0;       // bitmap_[0], or 0.
  size_t bitmap_words_ = 0;       // bitmap_.size().
};

}  // namespace gc

#endif  // WBBENCH_GC_TYPE_DESCRIPTOR_H_
