// File: gc/mutator.h
//
// Attaching a thread to the managed runtime: a Mutator bundles one G, M and
// P (gc/runtime.h), a shadow stack and an allocation cache, and registers
// them with a Collector.  A thread runs managed code while a Mutator is
// entered on it (tls_g points at its G).
//
// Scheduling states (G::status, changed only under the collector's lock):
//   kGRunning  entered on a thread, executing managed code; it must call
//              Safepoint() often (and every allocation polls).
//   kGParked   not executing managed code: not entered, or inside a
//              ParkScope (a blocking call).  Its stack and buffers are frozen;
//              mark workers scan a parked G's stack, and a stop-the-world
//              counts it as stopped.  Unparking waits for any pause to end.
//   kGStopped  running but held at a safepoint by a stop-the-world.
//
// Safepoints (Go's preemption checks): Safepoint() tests the G's preempt flag
// with one relaxed load.  The slow path serves two requests, in this order:
// stop for a pause (block until the world restarts), and scan its own stack
// into its P's gray buffer if this cycle's scan is still owed (Go's "a
// running goroutine scans its own stack").  Parking is also a safepoint.
//
// Several Mutators may be entered in turn on one thread (like goroutines on
// one M), which is how tests script interleavings step by step: Enter() one,
// run a few operations, Leave(), Enter() another.
//
// Memory ordering.  Every state change goes through the collector's mutex,
// so whatever a G wrote before parking or stopping happens-before what the
// collector reads afterwards, and vice versa.  The preempt flag is a relaxed
// hint; the decision is re-taken under the lock.
#ifndef WBBENCH_GC_MUTATOR_H_
#define WBBENCH_GC_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>

#include "gc/mcache.h"
#include "gc/runtime.h"
#include "gc/shadow_stack.h"
#include "gc/type_descriptor.h"

namespace gc {

enum GStatus : uint32_t {
  kGRunning = 0,
  kGParked = 1,
  kGStopped = 2,
};

class Collector;

class Mutator {
 public:
  // Registers a parked mutator with `collector`.
  explicit Mutator(Collector& collector,
                   size_t stack_slots = kShadowStackDefaultSlots);
  // Unregisters; must not be entered.  Flushes its barrier buffer and gray
  // work to the collector if a cycle is marking.
  ~Mutator();
  Mutator(const Mutator&) = delete;
  Mutator& operator=(const Mutator&) = delete;

  // Makes the calling thread run this mutator (tls_g = g()); blocks while the
  // world is stopped.  The thread must not have another mutator entered.
  void Enter();
  // Parks this mutator and detaches it from the thread (tls_g = nullptr).
  void Leave();

  G* g() { return &g_; }
  M* m() { return &m_; }
  P* p() { return &p_; }
  ShadowStack& stack() { return stack_; }
  Collector& collector() { return collector_; }
  const Collector* collector_ptr() const { return &collector_; }

  // For Collector::Unregister only: releases the allocation cache.
  void DestroyCache() {
    mcache_.reset();
    p_.mcache = nullptr;
  }

 private:
  Collector& collector_;
  G g_;
  M m_;
  P p_;
  ShadowStack stack_;
  std::unique_ptr<MCache> mcache_{new MCache()};
};

// Attaches the calling thread for a scope: a new Mutator, entered.
class MutatorScope {
 public:
  explicit MutatorScope(Collector& collector,
                        size_t stack_slots = kShadowStackDefaultSlots)
      : mutator_(collector, stack_slots) {
    mutator_.Enter();
  }
  ~MutatorScope() { mutator_.Leave(); }
  MutatorScope(const MutatorScope&) = delete;
  MutatorScope& operator=(const MutatorScope&) = delete;

  Mutator& mutator() { return mutator_; }

 private:
  Mutator mutator_;
};

// The mutator entered on this thread, or nullptr.
inline Mutator* CurrentMutator() {
  G* g = tls_g;
  return g == nullptr ? nullptr : g->mutator;
}

void SafepointSlow();
void AllocateSlow(P* p);

// Bytes a P allocates between two pacer checks (trigger, assists).  Go
// charges assists per allocation; a 16 KiB grain keeps the check off the
// fast path while bounding how far a mutator can run ahead of the pacer.
inline constexpr int64_t kPacerCheckBytes = int64_t{16} << 10;

// Allocates `count` zeroed objects of `type` on the current mutator (Go's
// mallocgc): black while the collector marks; every kPacerCheckBytes it
// checks the pacer (may start a cycle, assist, or block at the hard goal)
// before allocating, so that slow path is a safepoint and the new object is
// never held across it.
inline void* Allocate(const Type& type, size_t count = 1) {
  P* p = tls_g->m->p;
  if (__builtin_expect(p->alloc_since_check >= kPacerCheckBytes, 0)) {
    AllocateSlow(p);
  }
  p->alloc_since_check += static_cast<int64_t>(type.size() * count);
  return p->mcache->Alloc(type, count);
}

template <typename T>
T* New(const Type& type) {
  return static_cast<T*>(Allocate(type));
}

// Go's preemption check; call it in every loop of managed code.
inline void Safepoint() {
  G* g = tls_g;
  if (__builtin_expect(g->preempt.load(std::memory_order_relaxed), 0)) {
    SafepointSlow();
  }
}

// Go's Gosched: a safepoint at which the P may also run collector work.
// Under GcMode::kIncremental that is one bounded step of the cycle
// (Collector::IncrementalStep); in every other mode it is Safepoint().  Call
// it where the mutator's work can pause, outside any timed region.
void Gosched();

// Marks the current mutator parked for a blocking operation (it promises not
// to touch managed memory until Unpark) and back.
void Park();
void Unpark();

class ParkScope {
 public:
  ParkScope() { Park(); }
  ~ParkScope() { Unpark(); }
  ParkScope(const ParkScope&) = delete;
  ParkScope& operator=(const ParkScope&) = delete;
};

}  // namespace gc

#endif  // WBBENCH_GC_MUTATOR_H_
