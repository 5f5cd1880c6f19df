// File: barriers/wb_buf_flush.h
//
// Go's wbBufFlush: what happens when a store fills the P's write-barrier
// buffer.  The buffered, cgocheck and batched barriers enqueue pointers with
// a few instructions of generated code and come here only when the buffer is
// full (every store under cgocheck; every wbbuf_entries stores otherwise).
//
// The flush, in order: count it; under cgocheck, check the store that filled
// the buffer (barriers/cgocheck.h); if the installed FlushMode is kShade and
// the P's collector is marking, hand the whole buffer to gc::ShadeBatch (the
// one shading routine), timing it under --time_flush (P::time_flush); reset
// the buffer (gc::WbBuf::Reset).  Outside marking the buffer is discarded,
// as Go's wbBufFlush does when only cgocheck enabled the barrier.
//
// Who calls it: generated code, on the mutator thread that holds the P, with
// every register its caller may observe saved (it is an ordinary C++
// function and clobbers what the SysV ABI lets it); the bulk barrier, from
// C++.  Never re-entered: shading stores no pointers through a barrier.
#ifndef WBBENCH_BARRIERS_WB_BUF_FLUSH_H_
#define WBBENCH_BARRIERS_WB_BUF_FLUSH_H_

#include <cstdint>

namespace barriers {

// `slot` and `value` describe the store that filled the buffer when there is
// one (buffered, cgocheck); nullptr and 0 otherwise (batched reservations).
// The store itself is done by the caller after the flush returns.
// noexcept: generated code calls it and registers no unwind table, so no
// exception may leave it; what it allocates (gray work buffers) aborts with
// one line when memory runs out instead of throwing.
void WbBufFlush(uintptr_t* slot, uintptr_t value) noexcept;

// Since the last ResetFlushCounts, summed over every P: flushes, and the
// TSC ticks timed flushes (P::time_flush) spent shading their buffers and
// the words those held (recorded pointers, nil included, as Go's
// wbBufFlush1 walks them).
struct FlushTotals {
  uint64_t flushes = 0;
  uint64_t shade_ticks = 0;
  uint64_t shaded_words = 0;
  FlushTotals operator-(const FlushTotals& b) const {
    return {flushes - b.flushes, shade_ticks - b.shade_ticks,
            shaded_words - b.shaded_words};
  }
};
FlushTotals SumFlushCounters();
// SumFlushCounters().flushes.
uint64_t TotalFlushes();
void ResetFlushCounts();

namespace internal {

// Tests only: `hook` runs inside every flush (after the counting), e.g. to
// clobber every register the ABI lets a callee clobber.  nullptr removes it.
void SetFlushHookForTesting(void (*hook)());

}  // namespace internal
}  // namespace barriers

#endif  // WBBENCH_BARRIERS_WB_BUF_FLUSH_H_
