// File: barriers/barrier_config.h
//
// The installed barrier: which kind, which shading algorithm, how big the
// per-P write-barrier buffer is, what cgocheck does on a bad store, and what
// a flush does.  The harness (and tests) install one configuration before
// any mutator runs managed code; barrier slow paths read it.  The fast paths
// never do: a workload is compiled against one static barrier policy type
// per (kind, algorithm) (barriers/registry.h), so the only run-time state
// the call site touches is gc::write_barrier_enabled and the P's buffer.
//
// Buffer geometry (Go's wbBuf.reset): an entry holds EntryPointers(algorithm)
// words (barriers/algorithm.h).  `end` sits `wbbuf_entries` entries past the
// start, or the kind's forced entries (cgocheck: one, so that every store
// fills the buffer and reaches the flush, which can then see the slot).
// ApplyToGcConfig puts the geometry into gc::GcConfig, and every P's buffer
// has it from birth (gc::WbBuf::Init in the Mutator's constructor).
//
// Who may call what.  InstallBarrier: with no mutator running managed code
// (before attaching threads, or with the world stopped).  The rest: any
// thread.
#ifndef WBBENCH_BARRIERS_BARRIER_CONFIG_H_
#define WBBENCH_BARRIERS_BARRIER_CONFIG_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "gc/gc_config.h"
#include "gc/runtime.h"

namespace barriers {

// What a full buffer's flush does.
enum class FlushMode {
  kShade,  // Go's wbBufFlush1: shade every recorded pointer (while marking).
  kEmpty,  // reset the buffer without shading: isolates the fast path's
           // cost in benchmarks (the flush is still taken and counted).
};

// What cgocheck does when a managed pointer is stored into unmanaged memory
// (`--cgocheck`).  kAbort prints "fatal: managed pointer 0x... stored into
// unmanaged memory at 0x..." on stderr and exits with status 2, as Go
// throws.
// V(EnumName, "flag-name", "doc")
#define WBBENCH_FOR_EACH_CGOCHECK_MODE(V)                         \
  V(kCount, "count", "count it (CgocheckViolations()) and go on") \
  V(kAbort, "abort", "print it and exit with status 2, as Go throws")

enum class CgocheckMode {
#define WBBENCH_CGOCHECK_MODE_ENUM(e, name, doc) e,
  WBBENCH_FOR_EACH_CGOCHECK_MODE(WBBENCH_CGOCHECK_MODE_ENUM)
#undef WBBENCH_CGOCHECK_MODE_ENUM
};

struct BarrierConfig {
  BarrierKind kind = BarrierKind::kBuffered;
  Algorithm algorithm = Algorithm::kHybrid;
  size_t wbbuf_entries = gc::kWbBufDefaultEntries;  // --wbbuf-entries
  CgocheckMode cgocheck = CgocheckMode::kCount;     // --cgocheck
  FlushMode flush = FlushMode::kShade;
  // --filter: what the generated code skips, for a kind it applies to
  // (EffectiveFilter; satb's nil filter is built in).
  Filter filter = Filter::kNone;
};

// Validates `config` (entries in [1, gc::kWbBufMaxEntries]) and makes it the
// installed barrier.  The generated code for every JIT barrier exists from
// program start, so this only switches state.
absl::Status InstallBarrier(const BarrierConfig& config);
const BarrierConfig& InstalledBarrier();

// Buffer entries under `config`: the kind's forced entries (cgocheck: 1)
// or --wbbuf-entries.  A P's buffer gets its geometry once, at birth, from
// GcConfig (ApplyToGcConfig); a P made without a Mutator (tests,
// benchmarks) calls gc::WbBuf::Init with this and EntryPointers.
size_t BufferEntries(const BarrierConfig& config);

// Whether a slow path running on `p` shades: the installed FlushMode is
// kShade and p's collector is marking.  Outside marking (cgocheck keeps the
// barrier on) recorded pointers are discarded, as in Go.
bool ShouldShade(const gc::P* p);

// Copies what the collector must know about the installed barrier into
// `gc_config`: the stack-scan policy the algorithm needs, the buffer size
// (the kind's forced entries, one under cgocheck) and, for a kind that
// checks slots (cgocheck), that the barrier stays on for the whole run (Go's
// cgocheck=2), and that the collector rescans cards (cardmark).
void ApplyToGcConfig(const BarrierConfig& config, gc::GcConfig* gc_config);

// A kind that is not sound (`none`) loses objects while marking runs
// concurrently: refuses it for kConcurrent, kContinuous and kIncremental
// unless `unsafe_demonstration` is set.
absl::Status CheckBarrierForGcMode(BarrierKind kind, gc::GcMode mode,
                                   bool unsafe_demonstration);

}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BARRIER_CONFIG_H_
