// File: barriers/barrier_kind.h
//
// The single list of barrier kinds.  `--barrier`, `--list`, the registry and
// the typed tests are all generated from WBBENCH_FOR_EACH_BARRIER, so adding
// a barrier means adding one line here (HotSpot's barrierSetConfig.hpp idea).
#ifndef WBBENCH_BARRIERS_BARRIER_KIND_H_
#define WBBENCH_BARRIERS_BARRIER_KIND_H_

#include <optional>
#include <span>

#include "absl/strings/string_view.h"

// V(EnumName, "flag-name", "what it models")
#define WBBENCH_FOR_EACH_BARRIER(V)                                         \
  V(kUnbuffered, "unbuffered",                                              \
    "Go 1.9 writebarrierptr: out-of-line call, shades old and new at once") \
  V(kBuffered, "buffered",                                                  \
    "Go 1.10 gcWriteBarrier: JIT fast path enqueues into the per-P buffer") \
  V(kCgocheck, "cgocheck",                                                  \
    "Go cgocheck=2: buffered barrier, buffer of one entry, checks slots")   \
  V(kBatched, "batched",                                                    \
    "Go 1.21 gcWriteBarrier2: call reserves buffer slots, caller fills")    \
  V(kNone, "none", "no barrier: plain store (baseline; unsound if marking)")

namespace barriers {

enum class BarrierKind {
#define WBBENCH_BARRIER_ENUM(e, name, doc) e,
  WBBENCH_FOR_EACH_BARRIER(WBBENCH_BARRIER_ENUM)
#undef WBBENCH_BARRIER_ENUM
};

struct BarrierInfo {
  BarrierKind kind;
  absl::string_view name;
  absl::string_view doc;
};

// Every barrier, in declaration order.
std::span<const BarrierInfo> AllBarriers();
std::optional<BarrierKind> BarrierFromName(absl::string_view name);
absl::string_view BarrierName(BarrierKind kind);

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BARRIER_KIND_H_
