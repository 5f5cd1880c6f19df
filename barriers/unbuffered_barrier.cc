#include "barriers/unbuffered_barrier.h"

#include <sys/mman.h>

#include <cstdio>
#include <cstdlib>

#include "barriers/barrier_config.h"
#include "barriers/store.h"
#include "gc/runtime.h"
#include "gc/shade.h"

// ABI0 entries.  The caller pushed value then slot and called: the
// arguments sit above the return address.  Nothing needs saving (the call
// site clobbers every register but rsp and rbp).  Each entry aligns the
// stack and calls the C++ body for its algorithm; CFI keeps the frames
// walkable for perf and gdb.
#define WBBENCH_ABI0_ENTRY(e, name, old, nw, policy, doc) \
  ".globl wbbench_writebarrierptr_" #e                    \
  "\n"                                                    \
  ".hidden wbbench_writebarrierptr_" #e                   \
  "\n"                                                    \
  ".type wbbench_writebarrierptr_" #e                     \
  ", @function\n"                                         \
  ".p2align 4\n"                                          \
  "wbbench_writebarrierptr_" #e                           \
  ":\n"                                                   \
  ".cfi_startproc\n"                                      \
  "  push %rbp\n"                                         \
  ".cfi_def_cfa_offset 16\n"                              \
  ".cfi_offset %rbp, -16\n"                               \
  "  mov %rsp, %rbp\n"                                    \
  ".cfi_def_cfa_register %rbp\n"                          \
  "  mov 16(%rbp), %rdi\n" /* slot */                     \
  "  mov 24(%rbp), %rsi\n" /* value */                    \
  "  and $-16, %rsp\n"                                    \
  "  call wbbench_writebarrierptr1_" #e                   \
  "\n"                                                    \
  "  leave\n"                                             \
  ".cfi_def_cfa %rsp, 8\n"                                \
  "  ret\n"                                               \
  ".cfi_endproc\n"                                        \
  ".size wbbench_writebarrierptr_" #e ", .-wbbench_writebarrierptr_" #e "\n"

// Go's systemstack(fn): runs fn(arg) with rsp at `stack_hi` (16-aligned)
// and comes back to the caller's stack.
asm(".text\n"
    ".globl wbbench_systemstack\n"
    ".hidden wbbench_systemstack\n"
    ".type wbbench_systemstack, @function\n"
    ".p2align 4\n"
    "wbbench_systemstack:\n"
    ".cfi_startproc\n"
    "  push %rbp\n"
    ".cfi_def_cfa_offset 16\n"
    ".cfi_offset %rbp, -16\n"
    "  mov %rsp, %rbp\n"
    ".cfi_def_cfa_register %rbp\n"
    "  mov %rdx, %rsp\n"
    "  mov %rdi, %rax\n"
    "  mov %rsi, %rdi\n"
    "  call *%rax\n"
    "  leave\n"
    ".cfi_def_cfa %rsp, 8\n"
    "  ret\n"
    ".cfi_endproc\n"
    ".size wbbench_systemstack, "
    ".-wbbench_systemstack\n" WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ABI0_ENTRY));
#undef WBBENCH_ABI0_ENTRY

extern "C" void wbbench_systemstack(void (*fn)(void*), void* arg,
                                    uint8_t* stack_hi);

namespace barriers {
namespace {

// Go gives each M a g0 stack of 8 KiB-64 KiB (more with cgo).  Shading is a
// few frames deep; 64 KiB leaves room for a debugging build.  A guard page
// below turns an overflow into a fault.
constexpr size_t kSystemStackBytes = 64 * 1024;
constexpr size_t kGuardBytes = 4096;
// Pointers shaded per gc::ShadeBatch by a bulk copy: 128 slots of two.
constexpr size_t kShadeChunk = 256;

// The calling thread's system stack, mapped on first use, unmapped when the
// thread exits.  Several Ms entered in turn on one thread share it (they are
// the same OS thread).
class SystemStackMemory {
 public:
  uint8_t* hi() {
    if (base_ == nullptr) {
      void* p =
          mmap(nullptr, kGuardBytes + kSystemStackBytes, PROT_READ | PROT_WRITE,
               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) {
        std::perror("wbbench: mmap of a system stack");
        std::abort();
      }
      mprotect(p, kGuardBytes, PROT_NONE);
      base_ = static_cast<uint8_t*>(p);
    }
    return base_ + kGuardBytes + kSystemStackBytes;
  }
  ~SystemStackMemory() {
    if (base_ != nullptr) munmap(base_, kGuardBytes + kSystemStackBytes);
  }

 private:
  uint8_t* base_ = nullptr;
};

// Go's acquirem / releasem: the M may not be preempted (here: the counter
// records that it is inside runtime code; the marker can assert on it).
gc::M* AcquireM() {
  gc::M* mp = gc::tls_g->m;
  ++mp->locks;
  return mp;
}
void ReleaseM(gc::M* mp) { --mp->locks; }

// The M's g0 stack is its thread's system stack; publish it in the M the
// first time the M runs a barrier on this thread.
uint8_t* SystemStackHi(gc::M* mp) {
  thread_local SystemStackMemory stack;
  uint8_t* hi = stack.hi();
  if (mp->g0_stack_hi != hi) mp->g0_stack_hi = hi;
  return hi;
}

struct ShadeRequest {
  gc::G* g;
  uintptr_t* dst;
  const uintptr_t* src;  // for single stores: &value
  size_t n;
};

// Go's gcmarkwb_m for each slot: shade what algorithm A records
// (Record<A>), at once, through the one shading routine, which also
// publishes the P's gray objects when the global list is empty
// (GcWork::Balance), as a buffered flush does.  Go 1.9's shade kept them on
// the P during the first mark phase but disposed them at once in the second
// (gcBlackenPromptly), so a termination did not find them hidden there;
// without the publishing here, every termination found hidden work and
// retried, which inflated the unbuffered barrier's retries and pauses for a
// reason that is not its per-store cost.
template <Algorithm A>
void ShadeOnSystemStack(void* arg) {
  const ShadeRequest& r = *static_cast<const ShadeRequest*>(arg);
  gc::P* p = r.g->m->p;
  if (!ShouldShade(p)) return;
  constexpr size_t kEntry = EntryPointers(A);
  uintptr_t ptrs[kShadeChunk];
  size_t k = 0;
  for (size_t i = 0; i < r.n; ++i) {
    RecordStore<A>(&r.dst[i], LoadPlain(&r.src[i]), &ptrs[k]);
    k += kEntry;
    if (k + kEntry > kShadeChunk) {
      gc::ShadeBatch(p, ptrs, k, kEntry);
      k = 0;
    }
  }
  if (k != 0) gc::ShadeBatch(p, ptrs, k, kEntry);
}

template <Algorithm A>
void ShadeSlots(uintptr_t* dst, const uintptr_t* src, size_t n) {
  gc::M* mp = AcquireM();
  ShadeRequest request{gc::tls_g, dst, src, n};
  wbbench_systemstack(&ShadeOnSystemStack<A>, &request, SystemStackHi(mp));
  ReleaseM(mp);
}

}  // namespace

// Go's writebarrierptr after the ABI0 entry: the barrier, then the store.
template <Algorithm A>
__attribute__((noinline)) void WriteBarrierPtr(uintptr_t* slot,
                                               uintptr_t value) {
  ShadeSlots<A>(slot, &value, 1);
  StorePlain(slot, value);
}

template <Algorithm A>
void UnbufferedBulkPreWrite(uintptr_t* dst, const uintptr_t* src, size_t n) {
  ShadeSlots<A>(dst, src, n);
}

#define WBBENCH_INSTANTIATE(e, name, old, nw, policy, doc) \
  template void UnbufferedBulkPreWrite<Algorithm::e>(      \
      uintptr_t*, const uintptr_t*, size_t);
WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_INSTANTIATE)
#undef WBBENCH_INSTANTIATE

}  // namespace barriers

#define WBBENCH_ABI0_BODY(e, name, old, nw, policy, doc)              \
  extern "C" __attribute__((used)) void wbbench_writebarrierptr1_##e( \
      uintptr_t* slot, uintptr_t value) {                             \
    barriers::WriteBarrierPtr<barriers::Algorithm::e>(slot, value);   \
  }
WBBENCH_FOR_EACH_ALGORITHM(WBBENCH_ABI0_BODY)
#undef WBBENCH_ABI0_BODY
