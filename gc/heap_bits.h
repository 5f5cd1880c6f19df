// File: gc/heap_bits.h
//
// The heap bitmap (Go 1.19's heapBits, runtime/mbitmap.go): beside each
// arena (HeapArena::heap_bits), one bit per 8-byte heap word, set when the
// word holds a pointer.  1/64 of the heap; Go keeps two bits per word (the
// second marks where an object's pointers end), which halves the words its
// scan reads past the last pointer of a large object.  Not modelled: that
// second bit, and Go's splitting of large objects into 128 KiB oblets.
//
// Writer: allocation, for every object of a scan span (Go's heapBitsSetType
// in mallocgc): the bits of the whole slot, pointer words set, every other
// word cleared, so a reused slot forgets its last object's layout.  Reader:
// the marker's scan (ScanObject, Go's scanobject), which visits exactly the
// words whose bit is set.  The type descriptors stay the reference: the
// checkmark verifier, the bulk barrier and the card rescan scan by type, so
// a wrong bit shows as a lost object under --verify.
//
// Concurrency: a 64-bit bitmap word covers 512 bytes, inside one page and so
// inside one span, and only the span's owner allocates in it: a relaxed load
// and store (no read-modify-write) suffice.  The marker reads with relaxed
// loads: it scans only objects allocated before the mark began (later ones
// are allocated black and never scanned), and the start's stop-the-world
// orders their bits before the scan.  Freed slots keep stale bits until
// they are allocated again; nothing scans a free slot.
#ifndef WBBENCH_GC_HEAP_BITS_H_
#define WBBENCH_GC_HEAP_BITS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/base/attributes.h"
#include "gc/arena.h"
#include "gc/type_descriptor.h"

namespace gc {

// The bitmap word holding the bit of the heap word at p; p's bit in it is
// (p / 8) % 64.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline std::atomic<uint64_t>& HeapBitsWord(
    uintptr_t p) {
  HeapArena* arena =
      g_arena_table[p >> kArenaShift].load(std::memory_order_relaxed);
  return arena->heap_bits[(p & (kArenaSize - 1)) >> 9];
}

// Writes the n (1-64) bits of `pattern` for the words from p on.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void WriteHeapBits(uintptr_t p, size_t n,
                                                       uint64_t pattern) {
  const size_t off = (p >> 3) & 63;
  const uint64_t mask = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
  std::atomic<uint64_t>& w = HeapBitsWord(p);
  w.store(
      (w.load(std::memory_order_relaxed) & ~(mask << off)) | (pattern << off),
      std::memory_order_relaxed);
  if (off + n > 64) {  // the rest lies in the next word (the next 512 bytes)
    std::atomic<uint64_t>& next = HeapBitsWord(p + (64 - off) * 8);
    const size_t shift = 64 - off;
    next.store((next.load(std::memory_order_relaxed) & ~(mask >> shift)) |
                   (pattern >> shift),
               std::memory_order_relaxed);
  }
}

// Out of line: arrays, and objects whose pointers or slot pass 64 words.
void SetHeapBitsSlow(uintptr_t base, size_t elemsize, const Type& type,
                     size_t count);

// Go's heapBitsSetType: the bits of the slot [base, base + elemsize) for
// `count` elements of `type`.
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void SetHeapBits(uintptr_t base,
                                                     size_t elemsize,
                                                     const Type& type,
                                                     size_t count) {
  const size_t words = elemsize >> 3;
  if (count == 1 && words <= 64 && type.pointers_in_first_word()) {
    WriteHeapBits(base, words, type.first_bitmap_word());
    return;
  }
  SetHeapBitsSlow(base, elemsize, type, count);
}

// Calls f(uintptr_t* slot) for every word of [base, base + elemsize) whose
// heap bit is set, in increasing order.  `arena` is base's arena (the
// caller found the span through it).
template <typename F>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline void ForEachHeapPointer(
    const HeapArena* arena, uintptr_t base, size_t elemsize, F&& f) {
  const size_t words = elemsize >> 3;
  if (const size_t off = (base >> 3) & 63; off + words <= 64) {
    // The common case: the object's bits lie in one bitmap word.  (The loop
    // below handles it too, but folding the two cost BM_MarkThroughput 2%.)
    uint64_t bits = arena->heap_bits[(base & (kArenaSize - 1)) >> 9].load(
                        std::memory_order_relaxed) >>
                    off;
    if (words < 64) bits &= (uint64_t{1} << words) - 1;
    for (; bits != 0; bits &= bits - 1) {
      f(reinterpret_cast<uintptr_t*>(base) + __builtin_ctzll(bits));
    }
    return;
  }
  const uintptr_t end = base + elemsize;
  for (uintptr_t p = base; p < end;) {
    const size_t off = (p >> 3) & 63;
    const size_t left = (end - p) >> 3;
    const size_t n = left < 64 - off ? left : 64 - off;
    uint64_t bits = HeapBitsWord(p).load(std::memory_order_relaxed) >> off;
    if (n < 64) bits &= (uint64_t{1} << n) - 1;
    for (; bits != 0; bits &= bits - 1) {
      f(reinterpret_cast<uintptr_t*>(p) + __builtin_ctzll(bits));
    }
    p += n * 8;
  }
}

}  // namespace gc

#endif  // WBBENCH_GC_HEAP_BITS_H_
