// File: gc/shade.cc
//
// The one shading routine (see gc/shade.h): it greys into the calling P's
// gray buffer, through the mark step the marker shares (MarkObject,
// gc/scan.h).  ShadeBatch is Go's wbBufFlush1 without the buffer handling:
// the caller owns and resets the buffer (a barrier's flush; the unbuffered
// barrier's shading; the collector flushing a P's buffer at termination or
// when its mutator exits mid-mark).  After a
// batch, if the global list is empty (workers starving), the P publishes its
// gray objects: a mutator's P does not drain its own buffer unless it
// assists, so work left there would otherwise wait for mark termination.
#include "gc/shade.h"

#include "absl/base/attributes.h"
#include "gc/scan.h"

namespace gc {
namespace {

// Pointers greyed per PutBatch: a full default buffer (256 entries of two).
constexpr size_t kShadeChunk = 512;

// The batch, tallied or not (one branch per batch chooses).
template <bool kTally>
void Shade(P* p, const uintptr_t* ptrs, size_t n, size_t entry_words) {
  GcWork& gcw = p->gcw;
  ShadeTally& tally = p->shade_tally;
  // Newly grey objects are collected here and queued with one PutBatch per
  // chunk, as Go's wbBufFlush1 does; noscan objects are counted and dropped.
  uintptr_t grey[kShadeChunk];
  size_t ngrey = 0;
  // Shades one recorded pointer; true if it marked an object.
  auto shade = [&](uintptr_t v) ABSL_ATTRIBUTE_ALWAYS_INLINE {
    if (v == 0) {
      if constexpr (kTally) ++tally.nil_words;
      return false;
    }
    const ObjectRef ref = FindObject(v);
    if (!ref) {
      if constexpr (kTally) ++tally.non_heap_words;
      return false;
    }
    const uintptr_t base = MarkObject(gcw, ref);
    if (base == kAlreadyMarked) {
      if constexpr (kTally) ++tally.marked_words;
      return false;
    }
    // No prefetch (Go's wbBufFlush1 has none): a mark worker, usually on
    // another core and later, scans what the flush queues.
    if (base != 0) grey[ngrey++] = base;
    if (ngrey == kShadeChunk) {
      gcw.PutBatch(grey, ngrey);
      ngrey = 0;
    }
    return true;
  };
  if constexpr (kTally) {
    for (size_t e = 0; e < n; e += entry_words) {
      bool effective = false;
      for (size_t i = e; i < e + entry_words && i < n; ++i) {
        effective |= shade(ptrs[i]);
      }
      ++tally.entries;
      tally.effective_entries += effective;
    }
    tally.words += n;
  } else {
    for (size_t i = 0; i < n; ++i) shade(ptrs[i]);
  }
  if (ngrey != 0) gcw.PutBatch(grey, ngrey);
  gcw.Balance();
}

}  // namespace

void ShadeBatch(P* p, const uintptr_t* ptrs, size_t n, size_t entry_words) {
  if (p->tally_shading) {
    Shade<true>(p, ptrs, n, entry_words);
  } else {
    Shade<false>(p, ptrs, n, entry_words);
  }
}

}  // namespace gc
