// File: barriers/algorithm.h
//
// Shading algorithms (`--algorithm`): what a barrier records on a store
// `*slot = value` whose slot held `old`, and the stack-scan policy each one
// needs to be sound (docs/design.md, "Barriers").
//
// Record<A> is the one statement of what algorithm A records: the batched
// call site, the bulk barrier and the unbuffered barrier call it (through
// RecordStore<A>), the test models compare against it, and a test checks
// the JIT's emitter (barriers/buffered_barrier_x64.cc), which writes the
// same words in machine code, against it for every algorithm.
#ifndef WBBENCH_BARRIERS_ALGORITHM_H_
#define WBBENCH_BARRIERS_ALGORITHM_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "absl/strings/string_view.h"
#include "barriers/store.h"
#include "gc/gc_config.h"
#include "gc/runtime.h"

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

#define WBBENCH_COUNT_ALGORITHM(e, name, old, nw, policy, doc) +1
inline constexpr size_t kNumAlgorithms =
    0 WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_COUNT_ALGORITHM);
#undef WBBENCH_COUNT_ALGORITHM

struct AlgorithmInfo {
  Algorithm algorithm;
  absl::string_view name;
  bool shades_old;
  bool shades_new;  // for kHybridCond: only while the stack is grey.
  gc::StackScanPolicy stack_scan;
  absl::string_view doc;
};

inline constexpr std::array<AlgorithmInfo, kNumAlgorithms> kAlgorithmInfos = {{
#define WBBENCH_ALGORITHM_INFO(e, name, old, nw, policy, doc) \
  AlgorithmInfo{Algorithm::e, name, old, nw, gc::StackScanPolicy::policy, doc},
    WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ALGORITHM_INFO)
#undef WBBENCH_ALGORITHM_INFO
}};

std::span<const AlgorithmInfo> AllAlgorithms();
inline constexpr const AlgorithmInfo& InfoFor(Algorithm algorithm) {
  return kAlgorithmInfos[static_cast<size_t>(algorithm)];
}
std::optional<Algorithm> AlgorithmFromName(absl::string_view name);

// Pointers recorded per store: 2 for hybrid and hybrid-cond ([value, old]),
// 1 for dijkstra ([value]) and yuasa ([old]).
inline constexpr size_t EntryPointers(Algorithm algorithm) {
  return InfoFor(algorithm).shades_old && InfoFor(algorithm).shades_new ? 2 : 1;
}

// What algorithm A records for a store of `value` over `old`, written to
// out[0 .. EntryPointers(A)):
//   hybrid       [value, old]
//   hybrid-cond  [value, or nil once the storing G's stack is black; old]
//   dijkstra     [value]
//   yuasa        [old]
template <Algorithm A>
constexpr void Record(uintptr_t old, uintptr_t value, bool stack_black,
                      uintptr_t* out) {
  if constexpr (A == Algorithm::kHybrid) {
    out[0] = value;
    out[1] = old;
  } else if constexpr (A == Algorithm::kHybridCond) {
    out[0] = stack_black ? 0 : value;
    out[1] = old;
  } else if constexpr (A == Algorithm::kDijkstra) {
    out[0] = value;
  } else {
    static_assert(A == Algorithm::kYuasa);
    out[0] = old;
  }
}

// Record<A> for the store `*slot = value` by the current G, reading the old
// value and the G's stack colour only when A records them: a dijkstra store
// loads no old value, and only hybrid-cond reads gc::tls_g (an extern
// thread_local, which the compiler may reach through a call it cannot
// drop).
template <Algorithm A>
inline void RecordStore(const uintptr_t* slot, uintptr_t value,
                        uintptr_t* out) {
  const uintptr_t old = InfoFor(A).shades_old ? LoadPlain(slot) : 0;
  bool black = false;
  if constexpr (A == Algorithm::kHybridCond) {
    black = gc::tls_g->stack_black.load(std::memory_order_relaxed);
  }
  uintptr_t words[EntryPointers(A)];
  Record<A>(old, value, black, words);
  // One store per word, as Go's call site writes them (MOVQ AX, (R11); ...):
  // written as plain stores, GCC's SLP vectorizer merged [value, old] into
  // movq, movq, punpcklqdq, movups, one instruction more per store.
  for (size_t i = 0; i < EntryPointers(A); ++i) StorePlain(&out[i], words[i]);
}

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_ALGORITHM_H_
