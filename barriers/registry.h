// File: barriers/registry.h
//
// From the run-time choice (a BarrierKind and an Algorithm, parsed from
// --barrier and --algorithm through the lists in barrier_kind.h and
// algorithm.h) to the static policy type a workload is instantiated with.
// This is the one place the choice is made; every store after it is
// compiled against the chosen type.
//
//   WithBarrier(kind, algorithm, [&]<class B>() { RunWorkload<B>(...); });
//
// Policy types (each has kKind, kAlgorithm, Write(slot, value) and
// BulkPreWrite(dst, src, n)): UnbufferedBarrier<A>, BufferedBarrier<A>,
// CgocheckBarrier<A>, BatchedBarrier<A>, NoBarrier.  A switch without a
// default covers every kind, so a kind added to the list without a type
// here is a -Wswitch warning (an error in CI).
#ifndef WBBENCH_BARRIERS_REGISTRY_H_
#define WBBENCH_BARRIERS_REGISTRY_H_

#include <cstdlib>
#include <utility>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "barriers/batched_barrier.h"
#include "barriers/buffered_barrier.h"
#include "barriers/no_barrier.h"
#include "barriers/unbuffered_barrier.h"

namespace barriers {

// Calls f.template operator()<Barrier<algorithm>>().
template <template <Algorithm> class Barrier, class F>
decltype(auto) WithAlgorithm(Algorithm algorithm, F&& f) {
  switch (algorithm) {
#define WBBENCH_ALGORITHM_CASE(e, name, old, nw, policy, doc) \
  case Algorithm::e:                                          \
    return std::forward<F>(f).template operator()<Barrier<Algorithm::e>>();
    WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ALGORITHM_CASE)
#undef WBBENCH_ALGORITHM_CASE
  }
  std::abort();
}

// Calls f.template operator()<B>() with B the policy type for (kind,
// algorithm); `none` ignores the algorithm.
template <class F>
decltype(auto) WithBarrier(BarrierKind kind, Algorithm algorithm, F&& f) {
  switch (kind) {
    case BarrierKind::kUnbuffered:
      return WithAlgorithm<UnbufferedBarrier>(algorithm, std::forward<F>(f));
    case BarrierKind::kBuffered:
      return WithAlgorithm<BufferedBarrier>(algorithm, std::forward<F>(f));
    case BarrierKind::kCgocheck:
      return WithAlgorithm<CgocheckBarrier>(algorithm, std::forward<F>(f));
    case BarrierKind::kBatched:
      return WithAlgorithm<BatchedBarrier>(algorithm, std::forward<F>(f));
    case BarrierKind::kNone:
      return std::forward<F>(f).template operator()<NoBarrier>();
  }
  std::abort();
}

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_REGISTRY_H_
