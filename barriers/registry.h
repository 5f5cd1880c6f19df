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
// The policy type of each kind is named in its row of
// WBBENCH_FOR_EACH_BARRIER; BarrierPolicy states what the compiler checks
// of it.  Only the algorithms a kind supports are instantiated.
#ifndef WBBENCH_BARRIERS_REGISTRY_H_
#define WBBENCH_BARRIERS_REGISTRY_H_

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "barriers/batched_barrier.h"
#include "barriers/buffered_barrier.h"
#include "barriers/cardmark_barrier.h"
#include "barriers/no_barrier.h"
#include "barriers/satb_barrier.h"
#include "barriers/unbuffered_barrier.h"

namespace barriers {

// The contract of a barrier policy type B (docs/design.md, "Barriers"):
//  - kKind and kAlgorithm name its row and the algorithm it records for;
//  - Write(slot, value): the barrier and the store, called only while
//    gc::write_barrier_enabled, on the thread that holds the P, for a slot
//    in a heap object or the globals area (stacks take no barrier);
//  - BulkPreWrite(dst, src, n): the barrier for copying n slots from src to
//    dst, before the caller copies (Go's bulkBarrierPreWrite).
template <class B>
concept BarrierPolicy = requires(uintptr_t* slot, uintptr_t value,
                                 const uintptr_t* src, size_t n) {
  { B::kKind } -> std::convertible_to<BarrierKind>;
  { B::kAlgorithm } -> std::convertible_to<Algorithm>;
  { B::Write(slot, value) } -> std::same_as<void>;
  { B::BulkPreWrite(slot, src, n) } -> std::same_as<void>;
}
&&Supports(B::kKind, B::kAlgorithm);

// Calls f.template operator()<Policy<algorithm>>() (kind `kind`).
template <BarrierKind kind, template <Algorithm> class Policy, class F>
decltype(auto) WithAlgorithm(Algorithm algorithm, F&& f) {
  switch (algorithm) {
#define WBBENCH_ALGORITHM_CASE(e, name, old, nw, policy, doc)                \
  case Algorithm::e:                                                         \
    if constexpr (Supports(kind, Algorithm::e)) {                            \
      static_assert(BarrierPolicy<Policy<Algorithm::e>>);                    \
      static_assert(Policy<Algorithm::e>::kKind == kind);                    \
      return std::forward<F>(f).template operator()<Policy<Algorithm::e>>(); \
    }                                                                        \
    break;
    WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ALGORITHM_CASE)
#undef WBBENCH_ALGORITHM_CASE
  }
  std::abort();  // an algorithm the kind does not run (refused when parsed)
}

// Calls f.template operator()<B>() with B the policy type for (kind,
// algorithm); a kind that ignores the algorithm has one type for all.
template <class F>
decltype(auto) WithBarrier(BarrierKind kind, Algorithm algorithm, F&& f) {
  switch (kind) {
#define WBBENCH_BARRIER_CASE(e, name, policy, traits, doc) \
  case BarrierKind::e:                                     \
    return WithAlgorithm<BarrierKind::e, policy>(algorithm, std::forward<F>(f));
    WBBENCH_FOR_EACH_BARRIER(WBBENCH_BARRIER_CASE)
#undef WBBENCH_BARRIER_CASE
  }
  std::abort();
}

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_REGISTRY_H_
