// File: workloads/workload_kind.h
//
// The single list of workloads; `--workload`, `--list` and the tests are
// generated from it.
#ifndef WBBENCH_WORKLOADS_WORKLOAD_KIND_H_
#define WBBENCH_WORKLOADS_WORKLOAD_KIND_H_

#include <optional>
#include <span>

#include "absl/strings/string_view.h"

// V(EnumName, "flag-name", "what it does")
#define WBBENCH_FOR_EACH_WORKLOAD(V)                                      \
  V(kTreeReverse, "tree-reverse",                                         \
    "Go's BenchmarkWriteBarrier: reverse a depth-22 tree (calibration)")  \
  V(kBinaryTrees, "binary-trees",                                         \
    "GCBench: a long-lived tree plus many short-lived trees")             \
  V(kBulkCopy, "bulk-copy",                                               \
    "Go's BenchmarkBulkWriteBarrier: copy arrays of 16 pointers")         \
  V(kListQueue, "list-queue", "FIFO of nodes with push/pop churn")        \
  V(kHashChurn, "hash-churn", "chained hash map: insert, delete, rehash") \
  V(kLru, "lru", "LRU cache: hash map plus doubly linked list")           \
  V(kGraphRewire, "graph-rewire",                                         \
    "random graph, edges rewired uniformly (worst flush locality)")       \
  V(kAstGarbage, "ast-garbage",                                           \
    "build and drop parse-tree-like structures of mixed node types")

namespace workloads {

enum class WorkloadKind {
#define WBBENCH_WORKLOAD_ENUM(e, name, doc) e,
  WBBENCH_FOR_EACH_WORKLOAD(WBBENCH_WORKLOAD_ENUM)
#undef WBBENCH_WORKLOAD_ENUM
};

struct WorkloadInfo {
  WorkloadKind kind;
  absl::string_view name;
  absl::string_view doc;
};

std::span<const WorkloadInfo> AllWorkloads();
std::optional<WorkloadKind> WorkloadFromName(absl::string_view name);
absl::string_view WorkloadName(WorkloadKind kind);

}  // namespace workloads

#endif  // WBBENCH_WORKLOADS_WORKLOAD_KIND_H_
