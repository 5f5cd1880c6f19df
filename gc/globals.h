// File: gc/globals.h
//
// The globals area: root slots that live outside every stack, the model of a
// Go program's data and bss segments.
//
// Unlike stack slots, globals are written through the write barrier (the call
// site passes the slot's address, exactly as for a heap field), so the marker
// may scan them concurrently once per cycle as a root job.  The area is one
// fixed array; workloads take ranges of it with the RAII handle GlobalSlots.
//
// Memory ordering.  Slots are plain words.  Mutators store into them through
// barriers; Load is an acquire load (std::atomic_ref), so a pointer published
// with a release store comes with the object's contents.  A reader may see the
// old or the new value; the barrier shades whichever the algorithm needs.
// Allocation of ranges takes a mutex; the high-water mark is published with
// release so a scanner never reads past initialised slots.
//
// Who calls what.  GlobalSlots: any thread (freed mid-mark: a mutator
// thread, see Free).  ForEachSlot: the marker at any
// phase (a root job during marking; the verifier with the world stopped).
#ifndef WBBENCH_GC_GLOBALS_H_
#define WBBENCH_GC_GLOBALS_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

namespace gc {

// 64 Ki words: room for every workload's globals; scanning the used part
// costs a few microseconds per cycle.
inline constexpr size_t kGlobalSlots = size_t{1} << 16;

class Globals {
 public:
  // The process's single globals area (like the data segment, there is one).
  static Globals& Get();

  // Reserves n zeroed consecutive slots; returns the first index.  Aborts
  // when the area is exhausted.
  size_t Allocate(size_t n);
  // Zeroes and returns n slots starting at `first`.  Zeroing deletes the
  // pointers they hold: while a cycle marks, the calling thread's mutator
  // shades them (gc::ShadeBatch), so free a range that may hold the only
  // pointer to an object on a thread with a mutator entered.
  void Free(size_t first, size_t n);

  uintptr_t* SlotAddress(size_t i) { return &slots_[i]; }
  // Acquire: a mutator that loads a pointer another thread published here
  // (a release store) may then read the object.  A plain load on x86.
  uintptr_t Load(size_t i) const {
    return std::atomic_ref<uintptr_t>(const_cast<uintptr_t&>(slots_[i]))
        .load(std::memory_order_acquire);
  }
  bool Contains(const void* p) const {
    auto a = reinterpret_cast<uintptr_t>(p);
    auto lo = reinterpret_cast<uintptr_t>(&slots_[0]);
    return a >= lo && a < lo + sizeof(slots_);
  }

  // Calls f(slot) for every slot below the high-water mark whose address
  // lies in [lo, hi) (a card's rescan, gc/card_rescan.cc).
  template <typename F>
  void ForEachSlotIn(uintptr_t lo, uintptr_t hi, F&& f) {
    const auto base = reinterpret_cast<uintptr_t>(&slots_[0]);
    const size_t n = high_water_.load(std::memory_order_acquire);
    const size_t first = lo <= base ? 0 : (lo - base + 7) / sizeof(uintptr_t);
    const size_t end =
        hi <= base ? 0 : std::min(n, (hi - base + 7) / sizeof(uintptr_t));
    for (size_t i = first; i < end; ++i) f(&slots_[i]);
  }

  // Calls f(value) for every non-nil slot below the high-water mark.
  template <typename F>
  void ForEachSlot(F&& f) const {
    size_t n = high_water_.load(std::memory_order_acquire);
    for (size_t i = 0; i < n; ++i) {
      uintptr_t v = Load(i);
      if (v != 0) f(v);
    }
  }

 private:
  Globals() = default;

  std::mutex mu_;
  bool used_[kGlobalSlots] = {};
  std::atomic<size_t> high_water_{0};
  alignas(64) uintptr_t slots_[kGlobalSlots] = {};
};

// n global root slots for the lifetime of the handle.  Write them through a
// barrier (SlotAddress); read them with Load.
class GlobalSlots {
 public:
  explicit GlobalSlots(size_t n) : first_(Globals::Get().Allocate(n)), n_(n) {}
  ~GlobalSlots() { Globals::Get().Free(first_, n_); }
  GlobalSlots(const GlobalSlots&) = delete;
  GlobalSlots& operator=(const GlobalSlots&) = delete;

  uintptr_t* SlotAddress(size_t i) {
    return Globals::Get().SlotAddress(first_ + i);
  }
  uintptr_t Load(size_t i) const { return Globals::Get().Load(first_ + i); }
  size_t size() const { return n_; }

 private:
  size_t first_;
  size_t n_;
};

}  // namespace gc

#endif  // WBBENCH_GC_GLOBALS_H_
