#include "barriers/bulk_barrier.h"

#include "barriers/barrier_config.h"
#include "barriers/store.h"
#include "barriers/wb_buf_flush.h"
#include "gc/runtime.h"

namespace barriers {

__attribute__((noinline)) void BufferedBulkPreWrite(Algorithm algorithm,
                                                    uintptr_t* dst,
                                                    const uintptr_t* src,
                                                    size_t n) {
  gc::G* g = gc::tls_g;
  gc::WbBuf& buf = g->m->p->wb_buf;
  const size_t entry = EntryPointers(algorithm);
  for (size_t i = 0; i < n; ++i) {
    // Reserve, then write (gc::WbBuf's invariant): the batched barrier may
    // have left the buffer exactly full.  The flush resets buf (it is p's
    // buffer, reached again through g).
    if (!buf.Fits(entry)) WbBufFlush(nullptr, 0);
    uintptr_t old = LoadPlain(&dst[i]);
    uintptr_t value = LoadPlain(&src[i]);
    uintptr_t* next = buf.next;
    switch (algorithm) {
      case Algorithm::kHybrid:
        next[0] = value;
        next[1] = old;
        next += 2;
        break;
      case Algorithm::kHybridCond:
        next[0] = g->stack_black.load(std::memory_order_relaxed) ? 0 : value;
        next[1] = old;
        next += 2;
        break;
      case Algorithm::kDijkstra:
        *next++ = value;
        break;
      case Algorithm::kYuasa:
        *next++ = old;
        break;
    }
    buf.next = next;
    buf.CheckInvariant();
    // Full: flush now, as the buffered barrier does, so that cgocheck checks
    // this pointer and the buffered fast path never finds the buffer full.
    if (next == buf.end) WbBufFlush(&dst[i], value);
  }
}

}  // namespace barriers
