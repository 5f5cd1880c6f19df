// File: tests/workloads/reference_stores.h
//
// Each workload's pointer-store count, derived without the heap, the
// collector or the workload's code: a closed form where the logic gives
// one, otherwise a plain C++ model that replays the workload's random
// decisions (same Rng, same draws in the same order) on standard
// containers and counts the stores the workload's essay promises.  The
// sizes mirror the workloads' constants; retuning a workload means
// retuning its model, which is the point.
#ifndef WBBENCH_TESTS_WORKLOADS_REFERENCE_STORES_H_
#define WBBENCH_TESTS_WORKLOADS_REFERENCE_STORES_H_

#include <cstdint>

#include "workloads/workload.h"

namespace workloads::testing {

// Stores counted by `ops` operations of workload `kind` after Setup().
uint64_t ReferenceStores(WorkloadKind kind, const Params& params, uint64_t ops);

}  // namespace workloads::testing

#endif  // WBBENCH_TESTS_WORKLOADS_REFERENCE_STORES_H_
