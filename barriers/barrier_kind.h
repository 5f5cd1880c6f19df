// File: barriers/barrier_kind.h
//
// The single list of barrier kinds and every fact about each (HotSpot's
// barrierSetConfig.hpp idea).  `--barrier`, `--list`, the help text, the
// registry (barriers/registry.h), the JIT table, `--dump-barrier`'s
// whitelist, the buffer geometry (barriers/barrier_config.cc) and every
// test suite derive from WBBENCH_FOR_EACH_BARRIER, so adding a barrier kind
// is one row here, its policy file pair and, if it is generated, its
// emitter (barriers/buffered_barrier_x64.cc): nothing else.
//
// A row: V(EnumName, "flag-name", PolicyTemplate, (BarrierTraits{...}),
// "what it models").  PolicyTemplate is a template <Algorithm> naming the
// static policy type a workload is compiled against (BarrierPolicy,
// barriers/registry.h); the template is expanded only where the policy
// headers are included, so this header needs none of them.
#ifndef WBBENCH_BARRIERS_BARRIER_KIND_H_
#define WBBENCH_BARRIERS_BARRIER_KIND_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "barriers/algorithm.h"

#define WBBENCH_FOR_EACH_BARRIER(V)                                         \
  V(kUnbuffered, "unbuffered", UnbufferedBarrier, (BarrierTraits{}),        \
    "Go 1.9 writebarrierptr: out-of-line call, shades old and new at once") \
  V(kBuffered, "buffered", BufferedBarrier,                                 \
    (BarrierTraits{                                                         \
        .wbbuf = true, .jit = JitCode::kBuffered, .takes_filter = true}),   \
    "Go 1.10 gcWriteBarrier: JIT fast path enqueues into the per-P buffer") \
  V(kCgocheck, "cgocheck", CgocheckBarrier,                                 \
    (BarrierTraits{.wbbuf = true,                                           \
                   .jit = JitCode::kBuffered,                               \
                   .forced_entries = 1,                                     \
                   .checks_slots = true}),                                  \
    "Go cgocheck=2: buffered barrier, buffer of one entry, checks slots")   \
  V(kBatched, "batched", BatchedBarrier,                                    \
    (BarrierTraits{.wbbuf = true, .jit = JitCode::kBatched}),               \
    "Go 1.21 gcWriteBarrier2: call reserves buffer slots, caller fills")    \
  V(kCardmark, "cardmark", CardmarkBarrier,                                 \
    (BarrierTraits{.jit = JitCode::kCardmark,                               \
                   .cards = true,                                           \
                   .algorithms = AlgorithmBit(Algorithm::kDijkstra)}),      \
    "CMS card marking: JIT fast path stores, dirties the slot's card")      \
  V(kNone, "none", NoBarrierFor,                                            \
    (BarrierTraits{.algorithms = kAnyAlgorithm, .sound = false}),           \
    "no barrier: plain store (baseline; unsound if marking)")               \
  V(kSatb, "satb", SatbBarrier,                                             \
    (BarrierTraits{.wbbuf = true,                                           \
                   .jit = JitCode::kBuffered,                               \
                   .filter = Filter::kNil,                                  \
                   .algorithms = AlgorithmBit(Algorithm::kYuasa)}),         \
    "G1's SATB pre-barrier: JIT enqueues the old value, skips a null one")

namespace barriers {

enum class BarrierKind {
#define WBBENCH_BARRIER_ENUM(e, name, policy, traits, doc) e,
  WBBENCH_FOR_EACH_BARRIER(WBBENCH_BARRIER_ENUM)
#undef WBBENCH_BARRIER_ENUM
};

#define WBBENCH_COUNT_BARRIER(e, name, policy, traits, doc) +1
inline constexpr size_t kNumBarriers =
    0 WBBENCH_FOR_EACH_BARRIER(WBBENCH_COUNT_BARRIER);
#undef WBBENCH_COUNT_BARRIER

// Which generator emits a kind's machine code (barriers/barrier_jit.h).
enum class JitCode {
  kNotGenerated,  // a C++ call site (unbuffered, none)
  kBuffered,      // Go 1.10 gcWriteBarrier: records the store and does it
  kBatched,       // Go 1.21 gcWriteBarrier2: reserves, the caller records
  kCardmark,      // CMS card marking: does the store, dirties its card
};

// What the generated buffered code skips before recording (--filter), each
// counted on its skip path (FilteredStoresOnThisThread, barrier_jit.h).
// V(EnumName, "flag-name", "doc")
#define WBBENCH_FOR_EACH_FILTER(V)                                         \
  V(kNone, "none", "record every store")                                   \
  V(kNil, "nil",                                                           \
    "skip the entry when every pointer it would record is nil (G1's null " \
    "filter)")                                                             \
  V(kSame, "same",                                                         \
    "skip the whole barrier when *slot == value (no edge changes)")

enum class Filter {
#define WBBENCH_FILTER_ENUM(e, name, doc) e,
  WBBENCH_FOR_EACH_FILTER(WBBENCH_FILTER_ENUM)
#undef WBBENCH_FILTER_ENUM
};

#define WBBENCH_COUNT_FILTER(e, name, doc) +1
inline constexpr size_t kNumFilters =
    0 WBBENCH_FOR_EACH_FILTER(WBBENCH_COUNT_FILTER);
#undef WBBENCH_COUNT_FILTER

struct FilterInfo {
  Filter filter;
  absl::string_view name;
  absl::string_view doc;
};

inline constexpr std::array<FilterInfo, kNumFilters> kFilterInfos = {{
#define WBBENCH_FILTER_INFO(e, name, doc) FilterInfo{Filter::e, name, doc},
    WBBENCH_FOR_EACH_FILTER(WBBENCH_FILTER_INFO)
#undef WBBENCH_FILTER_INFO
}};

inline constexpr const FilterInfo& InfoFor(Filter filter) {
  return kFilterInfos[static_cast<size_t>(filter)];
}

// Whether filter f skips the store `*slot = value` over `old` under
// algorithm a: the model the generated code is checked against.  Both are
// sound.  nil: a nil pointer needs no shading, and an entry of nils shades
// nothing (hybrid-cond's value is tested before its stack-colour mask: a
// nil value is nil either way).  same: an unchanged slot deletes no edge and
// adds none, so no algorithm has anything to shade.
inline constexpr bool Filtered(Filter f, Algorithm a, uintptr_t old,
                               uintptr_t value) {
  switch (f) {
    case Filter::kNone:
      return false;
    case Filter::kNil:
      return (!InfoFor(a).shades_old || old == 0) &&
             (!InfoFor(a).shades_new || value == 0);
    case Filter::kSame:
      return old == value;
  }
  return false;
}

// A set of algorithms, one bit per Algorithm.
using AlgorithmSet = uint32_t;
inline constexpr AlgorithmSet AlgorithmBit(Algorithm a) {
  return AlgorithmSet{1} << static_cast<unsigned>(a);
}
inline constexpr AlgorithmSet kAllAlgorithms =
    (AlgorithmSet{1} << kNumAlgorithms) - 1;
// The kind ignores the algorithm (one policy type serves every algorithm).
inline constexpr AlgorithmSet kAnyAlgorithm = 0;

struct BarrierTraits {
  // Records stores in the per-P write-barrier buffer (gc::WbBuf) and shades
  // them when it flushes; --wbbuf-entries applies.
  bool wbbuf = false;
  JitCode jit = JitCode::kNotGenerated;
  // When non-zero, the buffer holds this many entries whatever
  // --wbbuf-entries says (cgocheck: 1, so every store reaches the flush).
  size_t forced_entries = 0;
  // Every store reaches the flush, which checks the slot for a managed
  // pointer stored into unmanaged memory, and the barrier stays on for the
  // whole run (Go's cgocheck=2).
  bool checks_slots = false;
  // A filter built into the kind's code (satb: kNil), whatever --filter says.
  Filter filter = Filter::kNone;
  // --filter applies to it (the buffered barrier).
  bool takes_filter = false;
  // Shades nothing on the store: dirties the slot's card, which the
  // collector rescans (gc/card_table.h, GcConfig::cards).
  bool cards = false;
  // The algorithms it runs (kAnyAlgorithm: it ignores the choice).
  AlgorithmSet algorithms = kAllAlgorithms;
  // Loses no object while marking runs concurrently (false: the baseline).
  bool sound = true;
};

struct BarrierInfo {
  BarrierKind kind;
  absl::string_view name;
  BarrierTraits traits;
  absl::string_view doc;
};

inline constexpr std::array<BarrierInfo, kNumBarriers> kBarrierInfos = {{
#define WBBENCH_BARRIER_INFO(e, name, policy, traits, doc) \
  BarrierInfo{BarrierKind::e, name, traits, doc},
    WBBENCH_FOR_EACH_BARRIER(WBBENCH_BARRIER_INFO)
#undef WBBENCH_BARRIER_INFO
}};

inline constexpr const BarrierTraits& TraitsOf(BarrierKind kind) {
  return kBarrierInfos[static_cast<size_t>(kind)].traits;
}

// Whether `kind` runs `algorithm` (always, for a kind that ignores it).
inline constexpr bool Supports(BarrierKind kind, Algorithm algorithm) {
  const AlgorithmSet set = TraitsOf(kind).algorithms;
  return set == kAnyAlgorithm || (set & AlgorithmBit(algorithm)) != 0;
}

// The one algorithm `kind` runs, if it runs exactly one (satb: yuasa); a
// run that names no algorithm gives it that one (harness/options.h,
// AlgorithmFor).
inline constexpr std::optional<Algorithm> OnlyAlgorithm(BarrierKind kind) {
  std::optional<Algorithm> only;
  for (const AlgorithmInfo& a : kAlgorithmInfos) {
    if (!Supports(kind, a.algorithm)) continue;
    if (only) return std::nullopt;
    only = a.algorithm;
  }
  return only;
}

// The filter kind's code runs when the run asks for `requested` (--filter):
// its built-in one, else `requested` where --filter applies, else none.
inline constexpr Filter EffectiveFilter(BarrierKind kind, Filter requested) {
  const BarrierTraits& t = TraitsOf(kind);
  if (t.filter != Filter::kNone) return t.filter;
  return t.takes_filter ? requested : Filter::kNone;
}

std::optional<Filter> FilterFromName(absl::string_view name);

// Every barrier, in declaration order.
std::span<const BarrierInfo> AllBarriers();
// The kinds whose traits satisfy `pred`, in declaration order: the sound
// ones, the generated ones, ... (test suites and whitelists).
std::vector<BarrierKind> BarriersWhere(bool (*pred)(const BarrierTraits&));
std::vector<BarrierKind> SoundBarriers();
std::vector<BarrierKind> JitBarriers();
// "a, b or c": the names of `kinds`, for one-line errors and help text.
std::string BarrierNames(std::span<const BarrierKind> kinds,
                         absl::string_view last_separator = " or ");

std::optional<BarrierKind> BarrierFromName(absl::string_view name);
absl::string_view BarrierName(BarrierKind kind);

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BARRIER_KIND_H_
