// File: barriers/algorithm.h
//
// Shading algorithms (`--algorithm`): what a barrier shades on a store
// `*slot = value` whose slot held `old`, and the stack-scan policy each one
// needs to be sound (DESIGN.md, "Barriers").
#ifndef WBBENCH_BARRIERS_ALGORITHM_H_
#define WBBENCH_BARRIERS_ALGORITHM_H_

#include <optional>
#include <span>

#include "absl/strings/string_view.h"
#include "gc/gc_config.h"

// V(EnumName, "flag-name", shades_old, shades_new, stack policy, "doc")
#define WBBENCH_FOR_EACH_ALGORITHM(V)                                     \
  V(kHybrid, "hybrid", true, true, kPerMutatorConcurrent,                 \
    "Go: shade old and new; stacks scanned once, concurrently")           \
  V(kDijkstra, "dijkstra", false, true, kRescanAtTermination,             \
    "insertion barrier: shade new; STW stack rescan at mark termination") \
  V(kYuasa, "yuasa", true, false, kStwAtStart,                            \
    "deletion barrier: shade old; STW scan of all stacks at mark start")  \
  V(kHybridCond, "hybrid-cond", true, true, kPerMutatorConcurrent,        \
    "the paper's hybrid: shade new only while the current stack is grey")

namespace barriers {

enum class Algorithm {
#define WBBENCH_ALGORITHM_ENUM(e, name, old, nw, policy, doc) e,
  WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ALGORITHM_ENUM)
#undef WBBENCH_ALGORITHM_ENUM
};

struct AlgorithmInfo {
  Algorithm algorithm;
  absl::string_view name;
  bool shades_old;
  bool shades_new;  // for kHybridCond: only while the stack is grey.
  gc::StackScanPolicy stack_scan;
  absl::string_view doc;
};

std::span<const AlgorithmInfo> AllAlgorithms();
const AlgorithmInfo& InfoFor(Algorithm algorithm);
std::optional<Algorithm> AlgorithmFromName(absl::string_view name);

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_ALGORITHM_H_
