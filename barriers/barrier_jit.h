// File: barriers/barrier_jit.h
//
// The generated machine code of the JIT barriers (the kinds whose traits
// name a JitCode), one function per (kind, algorithm, filter it runs:
// EffectiveFilter), emitted with xbyak when the program starts
// (barriers/buffered_barrier_x64.cc).  cgocheck's code is the buffered
// generator's, emitted again under its own name: it differs only in where
// the buffer ends, which is data.
//
// Each function is mapped read+execute only once generated, has a line in
// /tmp/perf-PID.map so that perf names it, and keeps, for every instruction,
// its offset, whether the fast path executes it (a store that does not fill
// the buffer; for cardmark, a store whose card is dirty already), and a
// pseudo-C comment: --dump-barrier prints them beside the disassembly.
//
// Call sites call through the entry tables below (an indirect call through a
// constant address: the generated code lives where mmap put it, out of reach
// of a direct rel32 call from the binary's text).
#ifndef WBBENCH_BARRIERS_BARRIER_JIT_H_
#define WBBENCH_BARRIERS_BARRIER_JIT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"

namespace barriers {

struct JitInstruction {
  uint32_t offset;  // from the function's entry
  bool fast_path;   // executed by a store that does not fill the buffer
  std::string pseudo_c;
};

struct JitFunction {
  BarrierKind kind;
  Algorithm algorithm;
  Filter filter;  // EffectiveFilter: what its code skips
  // As in /tmp/perf-PID.map: wbbench_<kind>_<algorithm>, and _<filter> for
  // a --filter variant.
  std::string name;
  const uint8_t* code = nullptr;
  size_t size = 0;
  std::vector<JitInstruction> instructions;

  size_t FastPathInstructions() const;
};

// The generated code `kind` runs for `algorithm`; nullptr for the barriers
// that are not generated (JitCode::kNotGenerated) and for an algorithm the
// kind does not run.
// `filter` is the run's --filter: a kind it does not apply to has one
// function, with its built-in filter (EffectiveFilter).
const JitFunction* FindJitBarrier(BarrierKind kind, Algorithm algorithm,
                                  Filter filter = Filter::kNone);

// Points the call sites of `kind` (internal::jit_entry) at its code for
// `filter`.  InstallBarrier calls it, with no mutator running managed code.
void SelectJitFilter(BarrierKind kind, Filter filter);

// Stores this thread's generated code skipped (a filter's skip path adds
// one to an initial-exec thread_local, one fs-relative increment), since
// the thread started.  Read it on the thread, before and after.
uint64_t FilteredStoresOnThisThread();

// Every generated function.
std::span<const JitFunction> AllJitFunctions();

// The fs-relative offset of gc::tls_g that generated code loads the G from
// (the same on every thread: initial-exec TLS sits at a fixed offset from
// the thread pointer).
intptr_t TlsGOffset();
// The same for the filtered-store count.
intptr_t TlsFilteredOffset();

namespace internal {

// Entry points, indexed by [BarrierKind][Algorithm], filled before main
// runs for every generated kind and the algorithms it runs (with its
// Filter::kNone variant; SelectJitFilter switches it).  The calling
// convention is the generator's (JitCode):
//  kBuffered: slot in rdi, value in rax; records the store, does it;
//    preserves every register but the flags.
//  kBatched: reserves EntryPointers(algorithm) buffer words, returns their
//    address in r11; preserves every other register but the flags.
//  kCardmark: slot in rdi, value in rax; does the store, dirties the slot's
//    card (gc/card_table.h); preserves every register but the flags.
extern void* jit_entry[kNumBarriers][kNumAlgorithms];

// The call of a generated barrier that takes the store (kBuffered,
// kCardmark): slot in rdi, value in rax, every register preserved, so the
// only clobbers are memory and the flags.
template <BarrierKind K, Algorithm A>
inline void CallStoreEntry(uintptr_t* slot, uintptr_t value) {
  asm volatile(
      "call *%[entry]"
      :
      : "D"(slot), "a"(value),
        [entry] "m"(jit_entry[static_cast<size_t>(K)][static_cast<size_t>(A)])
      : "memory", "cc");
}

}  // namespace internal
}  // namespace barriers

#endif  // WBBENCH_BARRIERS_BARRIER_JIT_H_
