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

#include "gc/scan.h"

namespace gc {
namespace {

// Pointers greyed per PutBatch: a full default buffer (256 entries of two).
constexpr size_t kShadeChunk = 512;

}  // namespace

void ShadeBatch(P* p, const uintptr_t* ptrs, size_t n) {
  GcWork& gcw = p->gcw;
  // Newly grey objects are collected here and queued with one PutBatch per
  // chunk, as Go's wbBufFlush1 does; noscan objects are counted and dropped.
  uintptr_t grey[kShadeChunk];
  size_t ngrey = 0;
  for (size_t i = 0; i < n; ++i) {
    const uintptr_t v = ptrs[i];
    if (v == 0) continue;
    const uintptr_t base = MarkObject(gcw, v);
    if (base == 0) continue;
    // No prefetch (Go's wbBufFlush1 has none): a mark worker, usually on
    // another core and later, scans what the flush queues.
    grey[ngrey++] = base;
    if (ngrey == kShadeChunk) {
      gcw.PutBatch(grey, ngrey);
      ngrey = 0;
    }
  }
  if (ngrey != 0) gcw.PutBatch(grey, ngrey);
  gcw.Balance();
}

}  // namespace gc
