// File: barriers/satb_barrier.h
//
// `satb`: G1's snapshot-at-the-beginning pre-barrier (HotSpot's
// g1_write_barrier_pre) on Go's machinery.  The call site is the buffered
// barrier's (barriers/buffered_barrier.h) and so is the generated code, with
// the nil filter built in (its row's traits): load the old value of the
// slot, skip a null one (counted, FilteredStoresOnThisThread), else enqueue
// it into the P's buffer, flush when full, and do the store.
//
// It records the old value only, as yuasa does, and needs yuasa's stack
// policy (every stack scanned, the world stopped, at mark start: the
// snapshot), so yuasa is the one algorithm it runs; a run that does not name
// an algorithm gets it (harness/options.h, AlgorithmFor).  Without the
// snapshot it loses objects (tests/torture: satb/yuasa-no-snapshot).
#ifndef WBBENCH_BARRIERS_SATB_BARRIER_H_
#define WBBENCH_BARRIERS_SATB_BARRIER_H_

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "barriers/buffered_barrier.h"

namespace barriers {

template <Algorithm A>
using SatbBarrier = BufferedCall<BarrierKind::kSatb, A>;

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_SATB_BARRIER_H_
