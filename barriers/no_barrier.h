// File: barriers/no_barrier.h
//
// `none`: a plain store and no barrier at all, the baseline.  Sound only
// when no marking runs concurrently with the mutator (--gc=stw or --gc=off);
// CheckBarrierForGcMode refuses it otherwise unless the run asks for the
// unsafe demonstration.  The call site skips even the enabled-byte test.
#ifndef WBBENCH_BARRIERS_NO_BARRIER_H_
#define WBBENCH_BARRIERS_NO_BARRIER_H_

#include <cstddef>
#include <cstdint>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "barriers/store.h"

namespace barriers {

struct NoBarrier {
  static constexpr BarrierKind kKind = BarrierKind::kNone;
  static constexpr Algorithm kAlgorithm = Algorithm::kHybrid;  // unused

  static void Write(uintptr_t* slot, uintptr_t value) {
    StorePlain(slot, value);
  }
  static void BulkPreWrite(uintptr_t*, const uintptr_t*, size_t) {}
};

// The policy of `none` for every algorithm (its row in
// WBBENCH_FOR_EACH_BARRIER names a template; `none` ignores the choice).
template <Algorithm>
using NoBarrierFor = NoBarrier;

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_NO_BARRIER_H_
