#include "barriers/cgocheck.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "barriers/barrier_config.h"
#include "gc/arena.h"
#include "gc/globals.h"
#include "gc/mutator.h"
#include "gc/shadow_stack.h"

namespace barriers {
namespace {

std::atomic<uint64_t> violations{0};

}  // namespace

bool IsManagedSlot(const uintptr_t* slot) {
  if (gc::SpanOf(reinterpret_cast<uintptr_t>(slot)) != nullptr) return true;
  if (gc::Globals::Get().Contains(slot)) return true;
  gc::Mutator* m = gc::CurrentMutator();
  return m != nullptr && m->stack().Contains(slot);
}

__attribute__((noinline)) void CgocheckStore(const uintptr_t* slot,
                                             uintptr_t value) {
  if (value == 0 || gc::SpanOf(value) == nullptr) return;
  if (IsManagedSlot(slot)) return;
  if (InstalledBarrier().cgocheck == CgocheckMode::kAbort) {
    std::fprintf(stderr,
                 "fatal: managed pointer 0x%lx stored into unmanaged memory at "
                 "%p\n",
                 static_cast<unsigned long>(value),
                 static_cast<const void*>(slot));
    std::fflush(nullptr);
    // No atexit handlers: other threads are still running managed code.
    std::_Exit(2);
  }
  violations.fetch_add(1, std::memory_order_relaxed);
}

uint64_t CgocheckViolations() {
  return violations.load(std::memory_order_relaxed);
}

void ResetCgocheckViolations() {
  violations.store(0, std::memory_order_relaxed);
}

}  // namespace barriers
