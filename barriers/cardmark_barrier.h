// File: barriers/cardmark_barrier.h
//
// The cardmark barrier (CMS's card marking, with HotSpot's
// UseCondCardMark), as the call site a workload inlines.
//
// An insertion barrier that shades nothing on the store: the generated code
// (barriers/buffered_barrier_x64.cc) does the store, then dirties the card
// of the slot (gc/card_table.h) unless it is dirty already.  The collector
// makes up for the shading it skips by rescanning the dirty cards' objects
// before and in mark termination (gc/card_rescan.cc), with the Dijkstra
// stack policy (every stack rescanned in the termination pause), so the
// kind runs the dijkstra algorithm only.
//
// The call site is the buffered barrier's: one `call` with the slot in rdi
// and the value in rax into code that preserves every register but the
// flags, so the asm statement's clobbers are memory and the flags.
//
// A bulk copy shades the pointers about to be copied in (Dijkstra's bulk
// barrier, as the unbuffered barrier does) rather than dirtying the
// destination's cards: its barrier runs before the copy, and a card dirtied
// before its stores could be precleaned before them and then stay clean.
#ifndef WBBENCH_BARRIERS_CARDMARK_BARRIER_H_
#define WBBENCH_BARRIERS_CARDMARK_BARRIER_H_

#include <cstddef>
#include <cstdint>

#include "barriers/algorithm.h"
#include "barriers/barrier_jit.h"
#include "barriers/barrier_kind.h"

namespace barriers {

// Shades src[0..n) while marking (the slow path of a bulk copy).
void CardmarkBulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n);

template <Algorithm A>
struct CardmarkBarrier {
  static_assert(A == Algorithm::kDijkstra);
  static_assert(TraitsOf(BarrierKind::kCardmark).jit == JitCode::kCardmark);
  static constexpr BarrierKind kKind = BarrierKind::kCardmark;
  static constexpr Algorithm kAlgorithm = A;

  // The store and its card; only while gc::write_barrier_enabled.
  static void Write(uintptr_t* slot, uintptr_t value) {
    internal::CallStoreEntry<kKind, A>(slot, value);
  }

  static void BulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n) {
    CardmarkBulkPreWrite(dst, src, n);
  }
};

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_CARDMARK_BARRIER_H_
