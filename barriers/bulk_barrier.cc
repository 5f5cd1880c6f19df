#include "barriers/bulk_barrier.h"

#include "barriers/barrier_config.h"
#include "barriers/store.h"
#include "barriers/wb_buf_flush.h"
#include "gc/runtime.h"

namespace barriers {

template <Algorithm A>
__attribute__((noinline)) void BufferedBulkPreWrite(uintptr_t* dst,
                                                    const uintptr_t* src,
                                                    size_t n) {
  gc::G* g = gc::tls_g;
  gc::WbBuf& buf = g->m->p->wb_buf;
  constexpr size_t kEntry = EntryPointers(A);
  for (size_t i = 0; i < n; ++i) {
    // Reserve, then write (gc::WbBuf's invariant): the batched barrier may
    // have left the buffer exactly full.  The flush resets buf (it is p's
    // buffer, reached again through g).
    if (!buf.Fits(kEntry)) WbBufFlush(nullptr, 0);
    const uintptr_t value = LoadPlain(&src[i]);
    RecordStore<A>(&dst[i], value, buf.next);
    buf.next += kEntry;
    buf.CheckInvariant();
    // Full: flush now, as the buffered barrier does, so that cgocheck checks
    // this pointer and the buffered fast path never finds the buffer full.
    if (buf.next == buf.end) WbBufFlush(&dst[i], value);
  }
}

#define WBBENCH_INSTANTIATE(e, name, old, nw, policy, doc)     \
  template void BufferedBulkPreWrite<Algorithm::e>(uintptr_t*, \
                                                   const uintptr_t*, size_t);
WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_INSTANTIATE)
#undef WBBENCH_INSTANTIATE

}  // namespace barriers
