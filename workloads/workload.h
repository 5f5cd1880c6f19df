// File: workloads/workload.h
//
// The contract every workload keeps, and the one factory that turns a
// run-time choice (workload, barrier, algorithm) into code compiled against
// the chosen barrier.
//
// A workload is a mutator program.  The harness makes one instance per
// mutator thread, on that thread, with the thread's mutator entered:
//
//   Setup()     builds the initial data (untimed; may allocate a lot);
//   Step(n)     performs n operations (timed; called repeatedly, with a
//               safepoint poll between calls);
//   Checksum()  folds the final data into a number (untimed).
//
// Rules every workload follows:
//  - Deterministic from Params::seed and the operations run: the checksum for
//    a seed and an operation count is the same under every barrier, GC mode
//    and algorithm.
//  - Every managed pointer lives in the heap, in globals or on the mutator's
//    shadow stack (gc::RootFrame); nothing managed is held only in a C++
//    local across an allocation or a safepoint.
//  - Every pointer store into a heap object or a global goes through
//    Stores::Write (the barrier call site) and is counted; stores into
//    shadow-stack slots take no barrier and are not counted, as in Go.
#ifndef WBBENCH_WORKLOADS_WORKLOAD_H_
#define WBBENCH_WORKLOADS_WORKLOAD_H_

#include <cstdint>
#include <memory>

#include "barriers/algorithm.h"
#include "barriers/barrier_kind.h"
#include "barriers/call_site.h"
#include "workloads/workload_kind.h"

namespace workloads {

struct Params {
  uint64_t seed = 1;
  double scale = 1.0;  // 1.0: sized so a default repetition runs ~1 s.
};

// Stores counted so far by one mutator.
struct Counts {
  uint64_t ops = 0;
  uint64_t stores = 0;     // pointer stores into heap objects and globals.
  uint64_t barriered = 0;  // of those, executed with the barrier on.
};

// The counting call site.  Keep one as a local in Step() so the counters
// live in registers across the barrier's asm call (a member would be spilled
// and reloaded around every store by the call's memory clobber).
template <class B>
struct Stores {
  uint64_t stores = 0;
  uint64_t barriered = 0;

  template <class T>
  __attribute__((always_inline)) void Write(T** slot, T* value) {
    ++stores;
    barriered += barriers::WritePointer<B>(slot, value);
  }
  // A bulk copy of n pointer slots (Go's typedmemmove): n stores.
  __attribute__((always_inline)) void Copy(uintptr_t* dst, const uintptr_t* src,
                                           size_t n) {
    stores += n;
    barriered += barriers::CopyPointers<B>(dst, src, n) ? n : 0;
  }
  void AddTo(Counts* c) const {
    c->stores += stores;
    c->barriered += barriered;
  }
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual void Setup() = 0;
  virtual void Step(uint64_t n) = 0;
  virtual uint64_t Checksum() = 0;
  const Counts& counts() const { return counts_; }

 protected:
  Counts counts_;
};

// One factory per workload, specialised in the workload's own .cc file (so
// each file compiles its instantiations for every barrier in parallel).
template <WorkloadKind K>
std::unique_ptr<Workload> Make(barriers::BarrierKind barrier,
                               barriers::Algorithm algorithm,
                               const Params& params);
#define WBBENCH_DECLARE_WORKLOAD_FACTORY(e, name, doc)              \
  template <>                                                       \
  std::unique_ptr<Workload> Make<WorkloadKind::e>(                  \
      barriers::BarrierKind barrier, barriers::Algorithm algorithm, \
      const Params& params);
WBBENCH_FOR_EACH_WORKLOAD(WBBENCH_DECLARE_WORKLOAD_FACTORY)
#undef WBBENCH_DECLARE_WORKLOAD_FACTORY

// The workload `kind` compiled against the policy type for (barrier,
// algorithm).  Call on the mutator thread that will run it, with its mutator
// entered.
std::unique_ptr<Workload> MakeWorkload(WorkloadKind kind,
                                       barriers::BarrierKind barrier,
                                       barriers::Algorithm algorithm,
                                       const Params& params);

// Mixes v into the running hash h (splitmix64 finaliser).
inline uint64_t Mix(uint64_t h, uint64_t v) {
  uint64_t z = h + 0x9e3779b97f4a7c15ull + v;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

}  // namespace workloads

#endif  // WBBENCH_WORKLOADS_WORKLOAD_H_
