// File: gc/shade.h
//
// The one shading routine every barrier calls (Go's shade / greyobject and
// wbBufFlush1).  Barriers differ in when and how they batch pointers; what
// shading a pointer means lives here and only here.
//
// Shading `ptr`: ignore nil and addresses outside the managed heap (or in a
// free span); resolve an interior pointer to its object; if the object's mark
// bit is clear, set it atomically; a `noscan` object is then black (counted,
// not queued), any other object is grey (queued on the P's gray buffer).
//
// Callers: barrier slow paths on a mutator thread holding `p`, and the
// collector during stop-the-world flushes.  Only meaningful while marking.
#ifndef WBBENCH_GC_SHADE_H_
#define WBBENCH_GC_SHADE_H_

#include <cstddef>
#include <cstdint>

#include "gc/runtime.h"

namespace gc {

// Go's wbBufFlush1: shades each of ptrs[0..n) and puts the newly grey objects
// on p's gray buffer in one batch (putBatch), then publishes the P's gray
// objects if the global list is empty (GcWork::Balance).  Every barrier,
// buffered or not, shades through it.  ptrs holds entries of `entry_words`
// words, one per store (n is a multiple of it); with p->tally_shading, what
// shading finds is added to p->shade_tally.
void ShadeBatch(P* p, const uintptr_t* ptrs, size_t n, size_t entry_words);

}  // namespace gc

#endif  // WBBENCH_GC_SHADE_H_
