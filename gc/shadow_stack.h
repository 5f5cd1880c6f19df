// File: gc/shadow_stack.h
//
// A mutator's stack of root slots (the model of a goroutine stack).
//
// Workloads keep every managed pointer they hold across a safepoint in a
// slot of their shadow stack, through RAII handles: `Root` (one slot) and
// `RootFrame` (n consecutive slots).  Handles nest strictly (LIFO), like
// stack frames.  Stores into slots have no write barrier, as in Go: this is
// why stacks need a scan policy (per-mutator concurrent scan, a snapshot at
// mark start, or a rescan at termination).
//
// Memory ordering.  A slot is a plain word accessed with relaxed atomic
// operations (std::atomic_ref).  The owner writes; the collector reads only
// when the owner cannot run (the owner itself at a safepoint, a mark worker
// holding the parked G's scan bit, or the collector with the world stopped),
// so there is never a data race; happens-before comes from the scheduler
// (gc/mutator.h).  Atomic accesses keep TSan quiet if an unsound
// configuration scans a stack while its owner runs, and compile to plain
// moves.
//
// Who calls what.  Root/RootFrame/Push/Pop: the owning mutator thread.
// ForEachSlot: the collector as described above.
#ifndef WBBENCH_GC_SHADOW_STACK_H_
#define WBBENCH_GC_SHADOW_STACK_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "gc/runtime.h"

namespace gc {

// Default slots per mutator: 64 Ki words (512 KiB of address space, touched
// only as far as used).  Workloads that hold large root sets pass more.
inline constexpr size_t kShadowStackDefaultSlots = size_t{1} << 16;

class ShadowStack {
 public:
  explicit ShadowStack(size_t capacity = kShadowStackDefaultSlots);
  ShadowStack(const ShadowStack&) = delete;
  ShadowStack& operator=(const ShadowStack&) = delete;

  // Reserves n zeroed slots on top; returns the index of the first.
  size_t Push(size_t n) {
    size_t top = top_.load(std::memory_order_relaxed);
    if (top + n > capacity_) Overflow(n);
    for (size_t i = 0; i < n; ++i) Store(top + i, 0);
    top_.store(top + n, std::memory_order_relaxed);
    return top;
  }
  // Releases the top n slots.
  void Pop(size_t n) {
    size_t top = top_.load(std::memory_order_relaxed);
    top_.store(top - n, std::memory_order_relaxed);
  }

  uintptr_t Load(size_t i) const {
    return std::atomic_ref<uintptr_t>(slots_[i]).load(
        std::memory_order_relaxed);
  }
  void Store(size_t i, uintptr_t v) {
    std::atomic_ref<uintptr_t>(slots_[i]).store(v, std::memory_order_relaxed);
  }
  uintptr_t* SlotAddress(size_t i) { return &slots_[i]; }

  size_t size() const { return top_.load(std::memory_order_relaxed); }
  bool Contains(const void* p) const {
    auto a = reinterpret_cast<uintptr_t>(p);
    auto lo = reinterpret_cast<uintptr_t>(slots_.get());
    return a >= lo && a < lo + capacity_ * sizeof(uintptr_t);
  }

  // Calls f(value) for every slot in use.
  template <typename F>
  void ForEachSlot(F&& f) const {
    size_t n = size();
    for (size_t i = 0; i < n; ++i) {
      uintptr_t v = Load(i);
      if (v != 0) f(v);
    }
  }

 private:
  [[noreturn]] void Overflow(size_t n) const;

  size_t capacity_;
  std::unique_ptr<uintptr_t[]> slots_;
  std::atomic<size_t> top_{0};
};

// The current mutator's shadow stack (tls_g must be set).
ShadowStack& CurrentShadowStack();

// A frame's slots as a compiler sees a stack frame: one base address, each
// slot at a fixed offset from it.  Copy it into a local for an inner loop:
// the local stays in a register across the barrier's call (whose memory
// clobber makes the compiler reload anything it reaches through memory),
// so a slot costs one load or one store, as a Go stack slot at an offset
// from SP does.  Slots never move (the stack's array is allocated once).
class RootSlots {
 public:
  explicit RootSlots(uintptr_t* base) : base_(base) {}
  uintptr_t Get(size_t i) const {
    return std::atomic_ref<uintptr_t>(base_[i]).load(std::memory_order_relaxed);
  }
  void Set(size_t i, uintptr_t v) const {
    std::atomic_ref<uintptr_t>(base_[i]).store(v, std::memory_order_relaxed);
  }
  uintptr_t* SlotAddress(size_t i) const { return &base_[i]; }

 private:
  uintptr_t* base_;
};

// n root slots on the current mutator's shadow stack, for a scope.
class RootFrame {
 public:
  explicit RootFrame(size_t n) : RootFrame(CurrentShadowStack(), n) {}
  RootFrame(ShadowStack& stack, size_t n)
      : stack_(stack), slots_(stack.SlotAddress(stack.Push(n))), n_(n) {}
  ~RootFrame() { stack_.Pop(n_); }
  RootFrame(const RootFrame&) = delete;
  RootFrame& operator=(const RootFrame&) = delete;

  uintptr_t Get(size_t i) const { return slots_.Get(i); }
  void Set(size_t i, uintptr_t v) { slots_.Set(i, v); }
  uintptr_t* SlotAddress(size_t i) { return slots_.SlotAddress(i); }
  size_t size() const { return n_; }
  // For inner loops (RootSlots).
  RootSlots slots() const { return slots_; }

 private:
  ShadowStack& stack_;
  RootSlots slots_;
  size_t n_;
};

// One root slot holding a T* (T a managed object type).
template <typename T = void>
class Root {
 public:
  explicit Root(T* v = nullptr) : frame_(1) { set(v); }
  T* get() const { return reinterpret_cast<T*>(frame_.Get(0)); }
  void set(T* v) { frame_.Set(0, reinterpret_cast<uintptr_t>(v)); }
  uintptr_t* slot() { return frame_.SlotAddress(0); }

 private:
  RootFrame frame_;
};

}  // namespace gc

#endif  // WBBENCH_GC_SHADOW_STACK_H_
