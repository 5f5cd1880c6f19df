// File: gc/mark_bits.h
//
// Per-span object bitmaps: the mark bits (Go's gcmarkBits) and the allocation
// bits (Go's allocBits), one bit per object slot.
//
// Mark bits are set by many threads at once (marker workers, barrier slow
// paths, mutators allocating black), so every word is a std::atomic and a
// bit is set with fetch_or; TryMark reads first so that the common "already
// marked" case costs no locked instruction (Go's greyobject does the same).
// Relaxed ordering suffices: a mark bit only says "someone claimed this
// object"; the object's contents reach the marker through the work buffers,
// which synchronise on their own.
//
// A span's mark bits live outside it, in a MarkBitsArena (below), as Go's
// live in its gcBits arenas.
//
// Allocation bits belong to the span's owner (the mcache that holds it, or
// the sweeper that claimed it) and are plain words.
//
// Invariants: bits at or beyond the span's nelems are zero.  Mark bits are
// cleared by the sweep that turns them into allocation bits; nothing sets
// them between that sweep and the next mark phase except allocate-black.
#ifndef WBBENCH_GC_MARK_BITS_H_
#define WBBENCH_GC_MARK_BITS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "gc/arena.h"

namespace gc {

// Most objects a span can hold: one page of the 8-byte class.
inline constexpr size_t kMaxObjectsPerSpan = kPageSize / 8;
inline constexpr size_t kBitmapWords = kMaxObjectsPerSpan / 64;

class MarkBits {
 public:
  // Sets bit i; returns true if this call set it (the object was white).
  // Allocate-black sets it with release: the bit publishes the new object
  // (zeroed, its type and heap bits written) to the card rescan, which reads
  // marked objects' slots while mutators allocate (IsMarked with acquire).
  bool TryMark(uint32_t i,
               std::memory_order order = std::memory_order_relaxed) {
    std::atomic<uint64_t>& w = words_[i / 64];
    const uint64_t mask = uint64_t{1} << (i % 64);
    if (w.load(std::memory_order_relaxed) & mask) return false;
    return (w.fetch_or(mask, order) & mask) == 0;
  }
  bool IsMarked(uint32_t i,
                std::memory_order order = std::memory_order_relaxed) const {
    return (words_[i / 64].load(order) >> (i % 64)) & 1;
  }
  uint64_t Word(size_t w) const {
    return words_[w].load(std::memory_order_relaxed);
  }
  void Clear() {
    for (auto& w : words_) w.store(0, std::memory_order_relaxed);
  }
  // Marked objects among the first n slots.
  uint32_t Count(uint32_t n) const {
    uint32_t c = 0;
    for (size_t w = 0; w * 64 < n; ++w) c += __builtin_popcountll(Word(w));
    return c;
  }

 private:
  std::atomic<uint64_t> words_[kBitmapWords] = {};
};

// Go's gcBits arenas: a span's mark bits live apart from it, reached
// through Span::mark_bits (Go's mspan.gcmarkBits): one dependent load more
// than bits inside the span, and a cache line of their own.  Handed out in
// order from 64 KiB chunks, so neighbouring spans' bits are neighbours, as
// Go's newMarkBits gives them out.  (Go gives a span fresh bits each cycle
// and recycles the old ones as its allocation bits; here each Span keeps
// one MarkBits for its life, cleared by the sweep.)  The caller serialises
// (the page heap's lock).
class MarkBitsArena {
 public:
  MarkBits* New() {
    if (used_ == kPerChunk) {
      chunks_.push_back(std::make_unique<MarkBits[]>(kPerChunk));
      used_ = 0;
    }
    return &chunks_.back()[used_++];
  }
  // Frees every MarkBits handed out.
  void Reset() {
    chunks_.clear();
    used_ = kPerChunk;
  }

 private:
  static constexpr size_t kPerChunk = 65536 / sizeof(MarkBits);
  std::vector<std::unique_ptr<MarkBits[]>> chunks_;
  size_t used_ = kPerChunk;
};

struct AllocBits {
  uint64_t words[kBitmapWords] = {};

  bool Get(uint32_t i) const { return (words[i / 64] >> (i % 64)) & 1; }
  void Clear() {
    for (auto& w : words) w = 0;
  }
};

}  // namespace gc

#endif  // WBBENCH_GC_MARK_BITS_H_
